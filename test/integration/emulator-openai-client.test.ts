// The emulator against the `openai` package's own Realtime WebSocket client, over wss:// with the
// emulator's self-signed certificate: event order, ids, audio and errors as REALTIME_PROTOCOL.md
// §4 documents them.
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import type { RealtimeClientEvent, RealtimeError, RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio, decodeAudio } from '../../src/audio/codec.ts';
import { rms } from '../../src/audio/pcm.ts';
import { resample } from '../../src/audio/resampler.ts';
import { startEmulator, type ConversationScript, type EmulatorTiming, type RunningEmulator } from '../../src/emulator/index.ts';
import { SpeechSynthesizer, splitSentences } from '../../src/emulator/speech/index.ts';
import { chunks, speechPcm } from '../helpers/speech.ts';
import { audioOf, EventLog, FAST_TIMING, partsOf, sleep, toBase64, type EventOf } from './emulator-client.ts';

const USER_LINE = 'Hello there, how are you today?';
const REPLY = 'I am fine, thank you for asking. How can I help you today?';
const LONG_REPLY =
  'Let me tell you about our hotel. We have a large pool on the ground floor. The gym is open all day and all night. ' +
  'Breakfast is served from seven to ten in the main restaurant. The spa offers massages every afternoon.';
const INTERRUPTION = 'Sorry, wait a moment please.';

const CHAT_SCRIPT: ConversationScript = {
  name: 'chat',
  turns: [
    { user: USER_LINE, responses: [[{ say: REPLY }]] },
    { user: INTERRUPTION, responses: [[{ say: 'Of course, take your time.' }]] },
  ],
};

const STORY_SCRIPT: ConversationScript = {
  name: 'barge-in',
  turns: [
    { user: USER_LINE, responses: [[{ say: LONG_REPLY }]] },
    { user: INTERRUPTION, responses: [[{ say: 'Of course, take your time.' }]] },
  ],
};

const TOOL_SCRIPT: ConversationScript = {
  name: 'tools',
  turns: [
    {
      user: 'What is the weather in Paris?',
      responses: [[{ call: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }], [{ say: 'It is sunny in Paris.' }]],
    },
  ],
};

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
};

let synthesizer: SpeechSynthesizer;
const running: RunningEmulator[] = [];
const clients: OpenAIRealtimeWS[] = [];
let chat: RunningEmulator;
let tools: RunningEmulator;
let story: RunningEmulator;

async function emulator(script: ConversationScript, timing: Partial<EmulatorTiming> = {}): Promise<RunningEmulator> {
  const started = await startEmulator({ tls: true, script, synthesizer, timing: { ...FAST_TIMING, ...timing }, logger: pino({ level: 'silent' }) });
  running.push(started);
  return started;
}

beforeAll(async () => {
  synthesizer = SpeechSynthesizer.create();
  [chat, tools, story] = await Promise.all([emulator(CHAT_SCRIPT), emulator(TOOL_SCRIPT), emulator(STORY_SCRIPT, { audioPace: 1 })]);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(running.map((e) => e.close()));
  await synthesizer.close();
});

interface Client {
  rt: OpenAIRealtimeWS;
  log: EventLog;
  send(event: RealtimeClientEvent): void;
}

async function connect(target: RunningEmulator): Promise<Client> {
  const openai = new OpenAI({ apiKey: 'test', baseURL: `https://127.0.0.1:${target.port}/v1` });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: target.ca } }, openai);
  clients.push(rt);
  const log = new EventLog();
  rt.on('event', (event) => log.push(event));
  // Error events also arrive through 'event'; without a listener the client rejects a promise.
  rt.on('error', () => {});
  await log.waitFor('session.created');
  return { rt, log, send: (event) => rt.send(event) };
}

type SessionReply = EventOf<'session.updated'> | EventOf<'error'>;

async function update(client: Client, session: Record<string, unknown>): Promise<SessionReply> {
  const from = client.log.length;
  client.send({ type: 'session.update', session: { type: 'realtime', ...session } } as RealtimeClientEvent);
  return Promise.race<SessionReply>([client.log.waitFor('session.updated', () => true, { from }), client.log.waitFor('error', () => true, { from })]);
}

/** The effective session a `session.updated` reports (the test fails on an error instead). */
function sessionOf(reply: SessionReply): RealtimeSessionCreateRequest {
  if (reply.type !== 'session.updated') throw new Error(`session.update refused: ${reply.error.message}`);
  if (reply.session.type !== 'realtime') throw new Error('not a realtime session');
  return reply.session;
}

/** Streams PCM16 24 kHz (or encodes it for G.711 first) in 20 ms appends. */
function stream(client: Client, samples: Int16Array, format: 'audio/pcm' | 'audio/pcmu' = 'audio/pcm'): void {
  const rate = format === 'audio/pcm' ? 24_000 : 8_000;
  for (const frame of chunks(samples, 20, rate)) {
    const bytes = encodeAudio({ type: format }, frame);
    client.send({ type: 'input_audio_buffer.append', audio: toBase64(bytes) });
  }
}

/** What the emulator must have sent for `text`: each sentence synthesized, at the output rate. */
async function expectedSamples(text: string, rate: 24_000 | 8_000): Promise<number> {
  let total = 0;
  for (const sentence of splitSentences(text)) {
    const pcm = await synthesizer.synthesize(sentence);
    total += rate === 24_000 ? pcm.length : (await resample(pcm, 24_000, rate)).length;
  }
  return total;
}

function transcriptDeltas(log: EventLog, responseId: string | undefined): string {
  return log.of('response.output_audio_transcript.delta').filter((e) => e.response_id === responseId).map((e) => e.delta).join('');
}

const SPOKEN_RESPONSE = [
  'response.created',
  'response.output_item.added',
  'conversation.item.added',
  'response.content_part.added',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'conversation.item.done',
  'response.output_item.done',
  'response.done',
];

const withoutTranscription = (types: string[]): string[] => types.filter((t) => !t.startsWith('conversation.item.input_audio_transcription'));

describe('emulator with the openai Realtime WebSocket client (wss)', () => {
  it('announces the session with the observed GA defaults', async () => {
    const { log } = await connect(chat);
    const created = await log.waitFor('session.created');
    const session = created.session as RealtimeSessionCreateResponse;
    expect(created.event_id).toMatch(/^event_[0-9A-Za-z]{21}$/);
    expect(session.id).toMatch(/^sess_[0-9A-Za-z]{21}$/);
    expect(Object.keys(session)).toEqual([
      'type', 'object', 'id', 'model', 'output_modalities', 'instructions', 'tools', 'tool_choice', 'max_output_tokens',
      'tracing', 'truncation', 'prompt', 'expires_at', 'audio', 'include',
    ]);
    expect(session.audio).toEqual({
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200, idle_timeout_ms: null, create_response: true, interrupt_response: true },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
    });
    expect((session.expires_at ?? 0) - Date.now() / 1000).toBeCloseTo(3600, -1);
  });

  it('runs a VAD turn in the documented order with real speech back', async () => {
    const client = await connect(chat);
    const { log } = client;
    sessionOf(await update(client, { audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } }));
    const start = log.length;
    stream(client, await speechPcm(USER_LINE, { leadingSilenceMs: 1000, trailingSilenceMs: 700 }));
    await log.waitFor('rate_limits.updated', () => true, { from: start });

    expect(withoutTranscription(log.types(start))).toEqual([
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      ...SPOKEN_RESPONSE,
      'rate_limits.updated',
    ]);
    const [started] = log.of('input_audio_buffer.speech_started', start);
    const [stopped] = log.of('input_audio_buffer.speech_stopped', start);
    const [committed] = log.of('input_audio_buffer.committed', start);
    // 1 s of silence, then speech: the turn starts 300 ms (prefix padding) before the onset.
    expect(started.audio_start_ms).toBeGreaterThanOrEqual(640);
    expect(started.audio_start_ms).toBeLessThanOrEqual(720);
    expect(stopped.audio_end_ms).toBeGreaterThan(started.audio_start_ms + 1000);
    expect(started.item_id).toMatch(/^item_[0-9A-Za-z]{21}$/);
    expect(stopped.item_id).toBe(started.item_id);
    expect(committed).toMatchObject({ item_id: started.item_id, previous_item_id: null });

    const [userAdded, assistantAdded] = log.of('conversation.item.added', start);
    expect(userAdded).toMatchObject({
      previous_item_id: null,
      item: { id: started.item_id, type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] },
    });
    expect(assistantAdded).toMatchObject({ previous_item_id: started.item_id, item: { type: 'message', status: 'in_progress', role: 'assistant', content: [] } });

    const [created] = log.of('response.created', start);
    expect(created.response).toMatchObject({ object: 'realtime.response', status: 'in_progress', status_details: null, output: [], output_modalities: ['audio'], usage: null, metadata: null });
    expect(created.response.id).toMatch(/^resp_[0-9A-Za-z]{21}$/);
    expect(created.response.conversation_id).toMatch(/^conv_[0-9A-Za-z]{21}$/);
    expect(log.of('response.content_part.added', start)[0].part).toEqual({ type: 'audio', transcript: '' });

    const [done] = log.of('response.done', start);
    expect(done.response).toMatchObject({ status: 'completed', status_details: null, output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript: REPLY }] }] });
    expect(partsOf(done.response.output?.[0])[0].audio).toBeUndefined();
    const usage = done.response.usage;
    expect(usage?.output_token_details?.audio_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(transcriptDeltas(log, created.response.id)).toBe(REPLY);

    // Real speech at 24 kHz PCM16, exactly the synthesized length, clearly not silence.
    const audio = audioOf(log, created.response.id);
    const samples = decodeAudio({ type: 'audio/pcm', rate: 24000 }, audio);
    expect(samples.length).toBe(await expectedSamples(REPLY, 24_000));
    expect(rms(samples)).toBeGreaterThan(1000);

    // Input transcription arrives asynchronously with the scripted line.
    const transcribed = await log.waitFor('conversation.item.input_audio_transcription.completed', () => true, { from: start });
    expect(transcribed).toMatchObject({ item_id: started.item_id, content_index: 0, transcript: USER_LINE, usage: { type: 'tokens' } });
    const [limits] = log.of('rate_limits.updated', start);
    expect(limits.rate_limits).toEqual([{ name: 'tokens', limit: expect.any(Number), remaining: expect.any(Number), reset_seconds: expect.any(Number) }]);
  });

  it('runs a push-to-talk turn: no VAD events, commit, then response.create', async () => {
    const client = await connect(chat);
    const { log } = client;
    expect(sessionOf(await update(client, { audio: { input: { turn_detection: null } } })).audio?.input?.turn_detection).toBeNull();
    const start = log.length;
    stream(client, await speechPcm(USER_LINE, { leadingSilenceMs: 300, trailingSilenceMs: 300 }));
    client.send({ type: 'input_audio_buffer.commit' });
    const committed = await log.waitFor('input_audio_buffer.committed', () => true, { from: start });
    client.send({ type: 'response.create' });
    await log.waitFor('rate_limits.updated', () => true, { from: start });
    expect(log.types(start)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done', ...SPOKEN_RESPONSE, 'rate_limits.updated']);
    expect(log.of('conversation.item.added', start)[0].item.id).toBe(committed.item_id);
    expect(partsOf(log.of('response.done', start)[0].response.output?.[0])[0].transcript).toBe(REPLY);
  });

  it('makes a function call round trip; a tool output alone starts no response', async () => {
    const client = await connect(tools);
    const { log } = client;
    sessionOf(await update(client, { tools: [WEATHER_TOOL] }));
    const start = log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Paris?' }] } });
    client.send({ type: 'response.create' });
    await log.waitFor('rate_limits.updated', () => true, { from: start });
    expect(log.types(start)).toEqual([
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
      'rate_limits.updated',
    ]);
    const { item: call } = log.of('response.output_item.added', start)[0];
    if (call.type !== 'function_call') throw new Error(`expected a function call, got ${call.type}`);
    expect(call).toMatchObject({ type: 'function_call', status: 'in_progress', name: 'get_weather', arguments: '' });
    expect(call.call_id).toMatch(/^call_[0-9A-Za-z]{16}$/);
    const deltas = log.of('response.function_call_arguments.delta', start);
    expect(deltas.length).toBeGreaterThan(0);
    const [argsDone] = log.of('response.function_call_arguments.done', start);
    expect(deltas.map((d) => d.delta).join('')).toBe(argsDone.arguments);
    expect(argsDone).toMatchObject({ item_id: call.id, call_id: call.call_id, name: 'get_weather', output_index: 0 });
    expect(JSON.parse(argsDone.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(log.of('response.content_part.added', start)).toEqual([]);
    expect(log.of('response.done', start)[0].response.output).toMatchObject([{ type: 'function_call', status: 'completed', call_id: call.call_id }]);

    const afterCall = log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id ?? '', output: '{"sky":"sunny"}' } });
    const output = await log.waitFor('conversation.item.done', () => true, { from: afterCall });
    expect(output.item).toMatchObject({ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' });
    await sleep(150);
    expect(log.of('response.created', afterCall)).toEqual([]);

    client.send({ type: 'response.create' });
    const answer = await log.waitFor('response.done', () => true, { from: afterCall });
    expect(partsOf(answer.response.output?.[0])).toEqual([{ type: 'output_audio', transcript: 'It is sunny in Paris.' }]);
  });

  it('does not call a scripted tool the session does not declare: it says a fallback instead', async () => {
    const client = await connect(tools);
    const start = client.log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] } });
    client.send({ type: 'response.create' });
    const done = await client.log.waitFor('response.done', () => true, { from: start });
    expect(done.response.output).toHaveLength(1);
    expect(done.response.output).toMatchObject([{ type: 'message', content: [{ type: 'output_audio', transcript: "Sorry, I can't do that right now." }] }]);
    expect(client.log.of('response.function_call_arguments.done', start)).toEqual([]);
  });

  it('handles a barge-in: the response is cancelled on speech, then truncated to what was heard', async () => {
    const client = await connect(story);
    const { log } = client;
    stream(client, await speechPcm(USER_LINE, { leadingSilenceMs: 500, trailingSilenceMs: 600 }));
    const created = await log.waitFor('response.created');
    const responseId = created.response.id;
    // Audio streams in real time here; interrupt once a second of it has been delivered.
    while (audioOf(log, responseId).byteLength < 48_000) await sleep(50);
    const itemId = log.of('response.output_item.added')[0].item.id ?? '';
    stream(client, await speechPcm(INTERRUPTION, { leadingSilenceMs: 200, trailingSilenceMs: 600 }));
    const started = await log.waitFor('input_audio_buffer.speech_started', (e) => e.audio_start_ms > 2000);
    const at = log.events.indexOf(started);
    const done = await log.waitFor('response.done');
    // Nothing but the cancellation's *.done events comes between speech_started and response.done (§4.5).
    expect(log.types(at, true).slice(0, 7)).toEqual([
      'input_audio_buffer.speech_started',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ]);
    expect(done.response).toMatchObject({ id: responseId, status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
    expect(done.response.output).toMatchObject([{ status: 'incomplete' }]);
    const partial = log.of('response.output_audio_transcript.done')[0].transcript;
    expect(LONG_REPLY.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(LONG_REPLY.length);

    const delivered = audioOf(log, responseId).byteLength / 48;
    const before = log.length;
    client.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 500, event_id: 'trunc_ok' });
    const truncated = await log.waitFor('conversation.item.truncated', () => true, { from: before });
    expect(truncated).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 500 });
    client.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const retrieved = await log.waitFor('conversation.item.retrieved', () => true, { from: before });
    const [heard] = partsOf(retrieved.item);
    expect(heard.transcript).toBe('');
    expect(Buffer.from(heard.audio ?? '', 'base64').byteLength).toBe(500 * 48);

    client.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: Math.ceil(delivered) + 1000, event_id: 'trunc_far' });
    const error = await log.waitFor('error', (e) => e.error.event_id === 'trunc_far');
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'audio_end_ms' });
    expect(error.error.message).toBe(`Audio content of 500ms is already shorter than ${Math.ceil(delivered) + 1000}ms`);

    // The interruption becomes the next user turn and gets its own answer.
    const next = await log.waitFor('response.done', (e) => e.response.id !== responseId);
    expect(next.response.status).toBe('completed');
    expect(partsOf(next.response.output?.[0])[0].transcript).toBe('Of course, take your time.');
  });

  describe('errors: one error event each (event_id echoed), and the session carries on', () => {
    let client: Client;
    beforeAll(async () => {
      client = await connect(chat);
    });

    async function errorFor(send: () => void, eventId: string | null): Promise<RealtimeError> {
      const from = client.log.length;
      send();
      const event = await client.log.waitFor('error', () => true, { from });
      expect(event.error.event_id).toBe(eventId);
      return event.error;
    }

    const raw = (data: string | Buffer) => () => client.rt.socket.send(data);
    const json = (event: object) => raw(JSON.stringify(event));

    it('invalid JSON', async () => {
      const error = await errorFor(raw('{"type": "session.update", oops'), null);
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
      expect(error.message).toMatch(/^Invalid event: failed to parse JSON value\./);
    });

    it('binary frame', async () => {
      const error = await errorFor(raw(Buffer.from([1, 2, 3, 4])), null);
      expect(error).toEqual({ type: 'invalid_request_error', code: 'invalid_event', message: 'Expected a text WebSocket message; binary frames are not supported.', param: null, event_id: null });
    });

    it('missing type', async () => {
      const error = await errorFor(json({ event_id: 'no_type' }), 'no_type');
      expect(error).toMatchObject({ code: 'invalid_event', message: "The 'type' field is missing.", param: null });
    });

    it('unknown type, with the supported list', async () => {
      const error = await errorFor(json({ type: 'nope', event_id: 'bad_type' }), 'bad_type');
      expect(error).toMatchObject({ code: 'invalid_value', param: 'type' });
      expect(error.message).toBe(
        "Invalid value: 'nope'. Supported values are: 'session.update', 'session.close', 'input_audio_buffer.append', 'session.input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', 'conversation.item.delete', 'conversation.item.retrieve', 'response.create', and 'response.cancel'.",
      );
    });

    it('unknown session parameter', async () => {
      const error = await errorFor(json({ type: 'session.update', event_id: 'bogus', session: { type: 'realtime', bogus_field: 1 } }), 'bogus');
      expect(error).toMatchObject({ code: 'unknown_parameter', param: 'session.bogus_field', message: "Unknown parameter: 'session.bogus_field'." });
    });

    it('missing session.type', async () => {
      const error = await errorFor(json({ type: 'session.update', event_id: 'no_session_type', session: { instructions: 'x' } }), 'no_session_type');
      expect(error).toMatchObject({ code: 'missing_required_parameter', param: 'session.type', message: "Missing required parameter: 'session.type'." });
    });

    it('commit of less than 100 ms, with the exact message', async () => {
      sessionOf(await update(client, { audio: { input: { turn_detection: null } } }));
      const error = await errorFor(() => {
        client.send({ type: 'input_audio_buffer.append', audio: toBase64(new Int16Array(1200)) });
        client.send({ type: 'input_audio_buffer.commit', event_id: 'small_commit' });
      }, 'small_commit');
      expect(error).toMatchObject({ code: 'input_audio_buffer_commit_empty', param: null });
      expect(error.message).toBe('Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 50.00ms of audio.');
    });

    it('cancel with nothing active', async () => {
      const error = await errorFor(() => client.send({ type: 'response.cancel', event_id: 'cancel_idle' }), 'cancel_idle');
      expect(error).toMatchObject({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found' });
    });

    it('a second default-conversation response while one is active', async () => {
      const from = client.log.length;
      const error = await errorFor(() => {
        client.send({ type: 'response.create' });
        client.send({ type: 'response.create', event_id: 'second' });
      }, 'second');
      const created = await client.log.waitFor('response.created', () => true, { from });
      expect(error.code).toBe('conversation_already_has_active_response');
      expect(error.message).toBe(`Conversation already has an active response in progress: ${created.response.id}. Wait until the response is finished before creating a new one.`);
      await client.log.waitFor('response.done', () => true, { from });
    });

    it('truncate of an unknown item', async () => {
      const error = await errorFor(() => client.send({ type: 'conversation.item.truncate', item_id: 'item_nope', content_index: 0, audio_end_ms: 10, event_id: 'trunc_unknown' }), 'trunc_unknown');
      expect(error).toMatchObject({ code: 'item_truncate_invalid_item_id', param: 'item_id' });
    });

    it('voice change once assistant audio is present (same voice still fine)', async () => {
      // The previous case left an assistant audio item in this conversation.
      const error = await errorFor(json({ type: 'session.update', event_id: 'voice', session: { type: 'realtime', audio: { output: { voice: 'echo' } } } }), 'voice');
      expect(error).toMatchObject({ code: 'cannot_update_voice', param: 'session.audio.output.voice', message: "Cannot update a conversation's voice if assistant audio is present." });
      expect(sessionOf(await update(client, { audio: { output: { voice: 'alloy' } } })).audio?.output?.voice).toBe('alloy');
    });

    it('never closes the socket and still answers afterwards', async () => {
      const from = client.log.length;
      client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'still there?' }] } });
      await client.log.waitFor('conversation.item.done', () => true, { from });
      expect(client.rt.socket.readyState).toBe(client.rt.socket.OPEN);
    });
  });

  it('speaks G.711 μ-law both ways (the Twilio setting): 8 kHz speech in, 8 kHz speech out', async () => {
    const client = await connect(chat);
    const { log } = client;
    const updated = sessionOf(await update(client, { audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } }));
    expect(updated.audio?.output?.format).toEqual({ type: 'audio/pcmu' });
    const start = log.length;
    stream(client, await speechPcm(USER_LINE, { rate: 8000, leadingSilenceMs: 1000, trailingSilenceMs: 700 }), 'audio/pcmu');
    const started = await log.waitFor('input_audio_buffer.speech_started', () => true, { from: start });
    expect(started.audio_start_ms).toBeGreaterThanOrEqual(640);
    expect(started.audio_start_ms).toBeLessThanOrEqual(720);
    const created = await log.waitFor('response.created', () => true, { from: start });
    expect(created.response.audio?.output?.format).toEqual({ type: 'audio/pcmu' });
    await log.waitFor('response.done', () => true, { from: start });

    const audio = audioOf(log, created.response.id);
    // One byte per sample at 8 kHz: bytes / 8 = ms.
    expect(audio.byteLength).toBe(await expectedSamples(REPLY, 8_000));
    const samples = decodeAudio({ type: 'audio/pcmu' }, audio);
    expect(samples.length).toBe(audio.byteLength);
    expect(rms(samples)).toBeGreaterThan(1000);
  });
});
