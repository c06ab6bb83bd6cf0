import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';

/** The barge-in counter's total, from /metrics. */
async function bargeIns(gw: TestGateway): Promise<number> {
  const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
  return [...text.matchAll(/^voice_gateway_barge_ins_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('barge-in: only an interruption of audible agent audio is one', () => {
  let gw: TestGateway;
  let device: KioskClient;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json' });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'response.done');
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
  });

  it('a turn taken after the agent was heard in full clears nothing and counts nothing', async () => {
    device.reportPlayed(device.receivedSinceClearMs);
    const before = await bargeIns(gw);
    await device.sendPcm(await speechPcm('My first name is Jane.', { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
    await device.waitFor('transcript', (e) => e.role === 'user' && e.final);
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'input_audio_buffer.speech_started');
    expect(device.events.filter((e) => e.type === 'audio.clear')).toEqual([]);
    expect(gw.tap.clientEvents('conversation.item.truncate')).toEqual([]);
    expect(await bargeIns(gw)).toBe(before);
  });

  it('a press while the agent is still heard clears its audio and counts one', async () => {
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /J-A-N-E/.test(e.text));
    device.reportPlayed(100);
    const before = await bargeIns(gw);
    device.control({ type: 'ptt.start' });
    await device.waitFor('audio.clear');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.truncate');
    expect(await bargeIns(gw)).toBe(before + 1);
  });
});
