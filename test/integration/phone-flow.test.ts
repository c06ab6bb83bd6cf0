import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { TwilioPhone, type DialOptions } from '../../src/converse/twilio-phone.ts';
import { speechPcm } from '../helpers/speech.ts';
import { pcm16ToUlaw, ulawToPcm16 } from '../../src/audio/g711.ts';
import { rms } from '../../src/audio/pcm.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';

interface SentSession {
  instructions?: string;
  audio?: { input?: { format?: unknown }; output?: { format?: unknown; voice?: string } };
}

const fullUpdates = (events: TappedEvent[]) => events
  .filter((e) => e.direction === 'client' && e.event.type === 'session.update')
  .map((e) => e.event.session as SentSession)
  .filter((s) => s.instructions !== undefined);

/** The function-call outputs the gateway sent the backend, parsed. */
const toolOutputs = (events: TappedEvent[]) => events.flatMap((e) => {
  const item = e.event.item as { type?: string; output?: string } | undefined;
  return e.direction === 'client' && e.event.type === 'conversation.item.create' && item?.type === 'function_call_output'
    ? [JSON.parse(item.output ?? 'null') as Record<string, unknown>] : [];
});

async function ulawSpeech(text: string): Promise<Uint8Array> {
  return pcm16ToUlaw(await speechPcm(text, { rate: 8000, leadingSilenceMs: 300, trailingSilenceMs: 1000 }));
}

describe('phone edge: a Twilio call walks the whole front-desk flow against the emulator', () => {
  let gw: TestGateway;
  let call: TwilioPhone;
  let dial: DialOptions;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL } });
    dial = { httpUrl: gw.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN, from: '+14155550123', to: '+18005550199', playbackSpeed: 4 };
    call = await TwilioPhone.dial(dial);
  });
  afterAll(async () => {
    call?.ws.close();
    await gw?.close();
  });

  /** Speaks once the agent has finished its answers and the caller has heard all of them. */
  async function say(text: string): Promise<void> {
    // Quiet for 300 ms: a tool output is followed by the next response.create a moment later.
    const quiet = () => agentDone(gw.tap.events) && call.playedMs >= call.queuedMs;
    do {
      await waitUntil(quiet);
      await new Promise((r) => setTimeout(r, 300));
    } while (!quiet());
    await call.sendUlaw(await ulawSpeech(text), 4);
  }

  it('answers the webhook with a stream to the public wss URL, carrying the caller', () => {
    expect(call.twiml).toContain('<Stream url="wss://gateway.test/twilio/media">');
    expect(call.twiml).toContain('<Parameter name="From" value="+14155550123"/>');
    // Nothing after </Connect>: once the stream ends Twilio asks the action URL what comes next.
    expect(call.twiml).toContain('<Connect action="https://gateway.test/twilio/after">');
    expect(call.twiml).toMatch(/<\/Connect><\/Response>$/);
  });

  it('greets in G.711 u-law at 8 kHz, each chunk followed by a mark, with the backend on audio/pcmu', async () => {
    await waitUntil(() => call.audioMs() > 2000);
    const media = call.received.filter((m) => m.event === 'media');
    expect(media[0]).toMatchObject({ streamSid: call.streamSid });
    const next = call.received[call.received.indexOf(media[0]) + 1];
    expect(next).toMatchObject({ event: 'mark', streamSid: call.streamSid });
    const pcm = ulawToPcm16(Buffer.concat(call.audio));
    expect(rms(pcm)).toBeGreaterThan(500);
    // The caller's number is in the agent's instructions; both directions are u-law.
    const [first] = fullUpdates(gw.tap.events);
    expect(first.instructions).toContain('The caller is calling from +14155550123.');
    expect(first.audio?.input?.format).toEqual({ type: 'audio/pcmu' });
    expect(first.audio?.output?.format).toEqual({ type: 'audio/pcmu' });
    // Payloads pass through untouched: what the backend sent is what Twilio got.
    const deltas = gw.tap.events.filter((e) => e.event.type === 'response.output_audio.delta').map((e) => e.event.delta);
    expect(media.slice(0, deltas.length).map((m) => m.media?.payload)).toEqual(deltas.slice(0, media.length));
  });

  it('moves through the states, verifies the caller and hands off, formats u-law throughout', async () => {
    await say('My first name is Jane.');
    await gw.tap.waitFor((e) => e.event.type === 'conversation.item.input_audio_transcription.completed');
    await waitUntil(() => toolOutputs(gw.tap.events).some((o) => o.state === '3_get_last_name'));
    await say('Doe. D O E.');
    await waitUntil(() => toolOutputs(gw.tap.events).some((o) => o.state === '4_next_steps'));
    await waitUntil(() => toolOutputs(gw.tap.events).some((o) => o.verified === true));
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.updated'
      && JSON.stringify(e.event).includes('Current state: 1_welcome'));
    const updates = fullUpdates(gw.tap.events);
    expect(updates.length).toBeGreaterThanOrEqual(5);
    for (const update of updates) {
      expect(update.audio?.input?.format).toEqual({ type: 'audio/pcmu' });
      expect(update.audio?.output?.format).toEqual({ type: 'audio/pcmu' });
    }
    const handoff = updates.find((u) => u.instructions?.includes('Current state: 1_welcome'));
    expect(handoff?.instructions).toContain('The caller is calling from +14155550123.');
    expect(gw.tap.events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
  });

  it('barges in: clear at once, and the truncate at the ms the echoed marks acknowledged', async () => {
    // The tour guide's greeting: let the caller hear part of it, then stop the clock and speak.
    const greetingItem = await gw.tap.waitFor((e) => e.event.type === 'response.output_audio.delta'
      && gw.tap.events.indexOf(e) > gw.tap.events.findIndex((x) => JSON.stringify(x.event).includes('Current state: 1_welcome')));
    await waitUntil(() => call.media.some((m) => m.payload === greetingItem.event.delta));
    const start = call.media.find((m) => m.payload === greetingItem.event.delta)!;
    await waitUntil(() => call.markedMs - start.startMs >= 700);
    call.pausePlayback();
    const heardMs = call.markedMs - start.startMs;
    const clearsBefore = call.clears;
    expect(start.clears).toBe(clearsBefore);
    await call.sendUlaw(await ulawSpeech('Yes please, what do you have?'), 4);
    await waitUntil(() => call.clears > clearsBefore);
    const truncate = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.truncate'
      && e.event.item_id === greetingItem.event.item_id);
    // Exactly where the last acknowledged mark stood: not the playback clock, not what was sent.
    expect(truncate.event).toMatchObject({ item_id: greetingItem.event.item_id, content_index: 0, audio_end_ms: Math.floor(heardMs) });
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'conversation.item.truncated');
    call.resumePlayback();
  });

  it('hands a keypad entry to the agent as a user turn it can act on', async () => {
    call.dtmf('1');
    call.dtmf('#');
    const item = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && JSON.stringify(e.event).includes('[keypad]'));
    expect(JSON.stringify(item.event.item)).toContain('The caller pressed 1 #');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.create'
      && gw.tap.events.indexOf(e) > gw.tap.events.indexOf(item));
  });

  it('ends cleanly when the caller hangs up, freeing the backend connection; Twilio is told to hang up, with no apology', async () => {
    expect(gw.app.sessions.size).toBe(1);
    call.hangUp();
    await call.closed;
    await waitUntil(() => gw.app.sessions.size === 0 && gw.tap.openConnections() === 0);
    const after = await call.afterStream();
    expect(after).toMatch(/<Response><Hangup\/><\/Response>$/);
  });
});

/** Every response the backend started has finished, and the gateway answered every tool call. */
function agentDone(events: TappedEvent[]): boolean {
  const server = events.filter((e) => e.direction === 'server');
  const created = server.filter((e) => e.event.type === 'response.created').length;
  const done = server.filter((e) => e.event.type === 'response.done').length;
  const calls = server.filter((e) => e.event.type === 'response.function_call_arguments.done').length;
  const outputs = toolOutputs(events).length;
  return created > 0 && created === done && calls === outputs;
}

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
