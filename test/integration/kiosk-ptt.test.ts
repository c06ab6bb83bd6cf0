import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

const script: ConversationScript = {
  name: 'push-to-talk',
  turns: [
    { responses: [[{ say: 'Welcome to the front desk. Our opening hours are from seven in the morning until eleven at night, every day of the week, holidays included. How can I help you today?' }]] },
    { user: 'What time is breakfast?', responses: [[{ say: 'Breakfast is served from seven until ten.' }]] },
  ],
};

describe('kiosk edge: push-to-talk', () => {
  let gw: TestGateway;
  let device: KioskClient;

  beforeAll(async () => {
    // Real-time audio pace, so the greeting is still being generated when the button is pressed.
    gw = await startTestGateway({ script, timing: { audioPace: 1 } });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
  });

  it('switches turn detection off with one session.update', async () => {
    device.control({ type: 'mode', mode: 'ptt' });
    await device.waitFor('mode', (e) => e.mode === 'ptt');
    const update = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'session.update'
      && JSON.stringify(e.event).includes('"turn_detection":null'));
    expect(update.event.session).toEqual({ type: 'realtime', audio: { input: { turn_detection: null } } });
  });

  it('a press during the answer stops playback, cancels it and truncates at what was heard', async () => {
    await device.waitFor('transcript', (e) => e.role === 'assistant');
    await new Promise((r) => setTimeout(r, 1500));
    // The device has played 1234 ms of the greeting when the button goes down.
    device.reportPlayed(1234);
    await new Promise((r) => setTimeout(r, 50));
    const clearsBefore = device.events.filter((e) => e.type === 'audio.clear').length;
    device.control({ type: 'ptt.start' });
    await device.waitFor('audio.clear', () => device.events.filter((e) => e.type === 'audio.clear').length > clearsBefore);

    const truncate = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.truncate');
    expect(truncate.event).toMatchObject({ content_index: 0, audio_end_ms: 1234 });
    const greetingItem = gw.tap.events.find((e) => e.event.type === 'response.output_audio.delta')?.event.item_id;
    expect(truncate.event.item_id).toBe(greetingItem);
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.cancel');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'input_audio_buffer.clear');
    const done = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'response.done');
    expect((done.event.response as { status: string }).status).toBe('cancelled');
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'conversation.item.truncated');
  });

  it('a release commits what was said and asks for the answer', async () => {
    await device.sendPcm(await speechPcm('What time is breakfast?', { leadingSilenceMs: 100, trailingSilenceMs: 100 }), 4);
    const committedBefore = gw.tap.clientEvents('input_audio_buffer.commit').length;
    device.control({ type: 'ptt.stop' });
    const user = await device.waitFor('transcript', (e) => e.role === 'user' && e.final);
    expect(user.text).toBe('What time is breakfast?');
    const answer = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /Breakfast/.test(e.text));
    expect(answer.text).toBe('Breakfast is served from seven until ten.');
    expect(gw.tap.clientEvents('input_audio_buffer.commit')).toHaveLength(committedBefore + 1);
    // No voice-activity events in push-to-talk mode: the turn was the press.
    expect(gw.tap.events.some((e) => e.event.type === 'input_audio_buffer.speech_started')).toBe(false);
  });

  it('refuses a release with too little audio, and one without a press', async () => {
    device.control({ type: 'ptt.start' });
    device.control({ type: 'ptt.stop' });
    const short = await device.waitFor('error', (e) => e.code === 'VG_ERR_PTT_TOO_SHORT');
    expect(short.message).toMatch(/held for 0 ms of audio; at least 100 ms/);
    device.control({ type: 'ptt.stop' });
    await device.waitFor('error', (e) => e.code === 'VG_ERR_PTT_NOT_PRESSED');
    // The backend never saw a too-small commit.
    expect(gw.tap.events.some((e) => JSON.stringify(e.event).includes('input_audio_buffer_commit_empty'))).toBe(false);
  });

  it('switches back to voice-activity detection', async () => {
    device.control({ type: 'mode', mode: 'vad' });
    const update = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'session.update'
      && JSON.stringify(e.event).includes('"server_vad"') && !JSON.stringify(e.event).includes('instructions'));
    expect(update.event.session).toMatchObject({ audio: { input: { turn_detection: { type: 'server_vad', create_response: true, interrupt_response: true } } } });
  });
});
