import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

const script: ConversationScript = {
  name: 'stale-playback',
  turns: [
    { responses: [[{ say: 'Welcome to the front desk. Our opening hours are from seven in the morning until eleven at night, every day of the week, holidays included. How can I help you today?' }]] },
    { user: 'What time is breakfast?', responses: [[{ say: 'Breakfast is served from seven until ten in the morning, in the garden room on the ground floor, and coffee is served all day long.' }]] },
  ],
};

describe('kiosk edge: a playback report in flight when audio.clear goes out', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    // Real-time audio pace, so the agent is still talking when the button goes down.
    gw = await startTestGateway({ script, timing: { audioPace: 1 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** The first truncate sent upstream after the tap had recorded `mark` events. */
  const truncateAfter = async (mark: number): Promise<TappedEvent['event']> => (await gw.tap.waitFor((e) =>
    e.direction === 'client' && e.event.type === 'conversation.item.truncate' && gw.tap.events.indexOf(e) >= mark)).event;

  /**
   * Plays 1.5 s of the greeting, presses with that report still in flight behind the press, talks,
   * and presses again during the answer before reporting anything new. Returns both truncations.
   */
  async function pressWithStaleReport(report: (playedMs: number) => object): Promise<[number, number]> {
    const device = await KioskClient.connect(gw.wsUrl);
    try {
      await device.waitFor('session.ready');
      await expect.poll(() => device.receivedSinceClearMs, { timeout: 15_000 }).toBeGreaterThanOrEqual(1600);
      device.control(report(1500));
      let mark = gw.tap.events.length;
      // The device sent another report before it could see the clear this press causes.
      device.control({ type: 'ptt.start' });
      device.control(report(1500));
      const clear = await device.waitFor('audio.clear');
      expect(clear.epoch).toBe(1);
      const first = await truncateAfter(mark);

      await device.sendPcm(await speechPcm('What time is breakfast?', { leadingSilenceMs: 100, trailingSilenceMs: 100 }), 4);
      device.control({ type: 'ptt.stop' });
      await device.waitFor('transcript', (e) => e.role === 'assistant' && /Breakfast/.test(e.text));
      await expect.poll(() => device.receivedSinceClearMs, { timeout: 15_000 }).toBeGreaterThanOrEqual(1600);
      mark = gw.tap.events.length;
      device.control({ type: 'ptt.start' });
      expect((await device.waitFor('audio.clear', (e) => e.epoch === 2)).epoch).toBe(2);
      const second = await truncateAfter(mark);
      return [first.audio_end_ms as number, second.audio_end_ms as number];
    } finally {
      device.close();
    }
  }

  it('ignores a report carrying the epoch before the clear', async () => {
    // Nothing was reported in the new epoch, so nothing of the answer counts as heard; the stale
    // report would have said 1.5 s.
    expect(await pressWithStaleReport((ms) => ({ type: 'playback', played_ms: ms, epoch: 0 }))).toEqual([1500, 0]);
  });

  it('ignores a report without an epoch (an older device) that claims more than was sent since the clear', async () => {
    expect(await pressWithStaleReport((ms) => ({ type: 'playback', played_ms: ms }))).toEqual([1500, 0]);
  });
});
