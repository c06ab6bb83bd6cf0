import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

/** PCM16 24 kHz: 48 bytes a millisecond. */
const BYTES_PER_MS = 48;

const script: ConversationScript = {
  name: 'audio-done',
  turns: [
    { responses: [[{ say: 'Hello, and welcome.' }]] },
    { user: 'Tell me more.', responses: [[{ say: 'There is a lot more to tell, and this answer goes on for a while so that it can be cut off.' }]] },
  ],
};

describe('kiosk edge: the end of the agent\'s speech', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    // Agent audio at real pace, so the long answer is still streaming when the caller cuts in.
    gw = await startTestGateway({ script, timing: { audioPace: 1 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('audio.done follows the last audio of a turn and says how much there was; a turn cut off by the caller gets none', async () => {
    const device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    const done = await device.waitFor('audio.done');
    const receivedMs = device.audio.reduce((n, frame) => n + frame.length, 0) / BYTES_PER_MS;
    expect(done.audio_ms).toBeGreaterThan(500);
    expect(Math.abs(done.audio_ms - receivedMs)).toBeLessThanOrEqual(1);
    const greeting = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    expect(done.item_id).toBe(greeting.item_id);

    // The greeting has been heard in full; the second answer is interrupted while it plays (typed
    // input takes the turn): no audio.done for it.
    device.reportPlayed(done.audio_ms);
    const framesBefore = device.audio.length;
    device.control({ type: 'input_text', text: 'Tell me more.' });
    await expect.poll(() => device.audio.length, { timeout: 10_000 }).toBeGreaterThan(framesBefore);
    device.control({ type: 'input_text', text: 'Stop.' });
    await device.waitFor('audio.clear');
    const cut = await device.waitFor('turn.cut');
    expect(cut.item_id).not.toBe(done.item_id);
    await device.waitFor('transcript', (e) => e.role === 'user' && e.text === 'Stop.');
    const dones = device.events.filter((e) => e.type === 'audio.done');
    expect(dones.map((e) => e.item_id)).not.toContain(cut.item_id);
    device.close();
  });
});
