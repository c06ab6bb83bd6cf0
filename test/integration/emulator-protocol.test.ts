// The emulator over a bare WebSocket: the handshake (§1.1), transcription and sideband sessions,
// items, text and out-of-band responses, cancellation, limits, timers, and garbage that must
// neither crash the server nor disturb another session.
import http from 'node:http';
import type { RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.ts';
import { SpeechSynthesizer } from '../../src/emulator/speech/index.ts';
import { decodeAudio } from '../../src/audio/codec.ts';
import { rms } from '../../src/audio/pcm.ts';
import { audioOf, FAST_TIMING, partsOf, RawClient, sleep, toBase64 } from './emulator-client.ts';

let synthesizer: SpeechSynthesizer;
let open: RunningEmulator;
let keyed: RunningEmulator;
const extra: RunningEmulator[] = [];

async function emulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const started = await startEmulator({ synthesizer, logger: pino({ level: 'silent' }), ...opts, timing: { ...FAST_TIMING, ...opts.timing } });
  extra.push(started);
  return started;
}

beforeAll(async () => {
  synthesizer = SpeechSynthesizer.create();
  open = await emulator();
  keyed = await emulator({ apiKey: 'sk-right-key-1234' });
});

afterAll(async () => {
  await Promise.all(extra.map((e) => e.close()));
  await synthesizer.close();
});

const model = (e: RunningEmulator, query = 'model=gpt-realtime'): string => `${e.url}?${query}`;

async function connected(query = 'model=gpt-realtime'): Promise<RawClient> {
  const client = await RawClient.connect(model(open, query));
  await client.log.waitFor('session.created');
  return client;
}

/** Upgrade succeeds (101), then one error event and a close (§1.1). */
async function rejected(url: string, headers: Record<string, string>, protocols?: string[]) {
  const client = await RawClient.connect(url, { headers, protocols });
  const closed = await client.closed;
  expect(client.log.events).toHaveLength(1);
  const [event] = client.log.events;
  if (event.type !== 'error') throw new Error(`expected an error event, got ${event.type}`);
  return { error: event, closed };
}

describe('handshake', () => {
  it('answers paths other than /v1/realtime with HTTP 404 before any upgrade', async () => {
    const ws = new WebSocket(open.url.replace('/v1/realtime', '/v1/elsewhere?model=gpt-realtime'), { headers: { Authorization: 'Bearer x' } });
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  it('refuses a missing model with missing_model and close 4000', async () => {
    const { error, closed } = await rejected(open.url, { Authorization: 'Bearer x' });
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_model' });
    expect(closed).toEqual({ code: 4000, reason: 'invalid_request_error.missing_model' });
  });

  it('refuses an unknown model with invalid_model and close 4000', async () => {
    const { error, closed } = await rejected(model(open, 'model=gpt-nope'), { Authorization: 'Bearer x' });
    expect(error.error.message).toMatch(/^Model "gpt-nope" is not supported in realtime mode/);
    expect(closed).toEqual({ code: 4000, reason: 'invalid_request_error.invalid_model' });
  });

  it('refuses the beta header with beta_api_shape_disabled and close 4000', async () => {
    const { error, closed } = await rejected(model(open), { Authorization: 'Bearer x', 'OpenAI-Beta': 'realtime=v1' });
    expect(error.error.code).toBe('beta_api_shape_disabled');
    expect(closed).toEqual({ code: 4000, reason: 'invalid_request_error.beta_api_shape_disabled' });
  });

  it('refuses a missing Authorization with close 3000', async () => {
    const { error, closed } = await rejected(model(open), {});
    expect(error.error).toEqual({ type: 'invalid_request_error', code: null, message: 'Missing bearer or basic authentication in header', param: null, event_id: null });
    expect(closed).toEqual({ code: 3000, reason: 'invalid_request_error' });
  });

  it('checks the key only when one is configured: a wrong one gets invalid_api_key and close 3000', async () => {
    const { error, closed } = await rejected(model(keyed), { Authorization: 'Bearer sk-wrong-key-9999' });
    expect(error.error.code).toBe('invalid_api_key');
    expect(error.error.message).not.toContain('sk-wrong-key-9999');
    expect(closed).toEqual({ code: 3000, reason: 'invalid_request_error.invalid_api_key' });
    const ok = await RawClient.connect(model(keyed), { headers: { Authorization: 'Bearer sk-right-key-1234' } });
    await ok.log.waitFor('session.created');
    ok.close();
  });

  it('accepts the browser subprotocol key and answers with the realtime subprotocol', async () => {
    const client = await RawClient.connect(model(keyed), { headers: {}, protocols: ['realtime', 'openai-insecure-api-key.sk-right-key-1234'] });
    await client.log.waitFor('session.created');
    expect(client.ws.protocol).toBe('realtime');
    client.close();
  });

  it('opens a transcription session for ?intent=transcription', async () => {
    const client = await connected('intent=transcription');
    const created = await client.log.waitFor('session.created');
    expect(created.session).toMatchObject({ type: 'transcription', object: 'realtime.transcription_session' });
    expect(created.session.audio?.input?.turn_detection).toEqual({ type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200 });
    expect(Object.keys(created.session)).toEqual(['type', 'object', 'id', 'expires_at', 'audio', 'include']);
    client.send({ type: 'response.create', event_id: 'r' });
    expect((await client.log.waitFor('error')).error.event_id).toBe('r');
    client.close();
  });

  it('gives a sideband (?call_id=) socket a realtime session', async () => {
    const client = await connected('call_id=rtc_0123456789abcdef0123456789abcdef');
    expect((await client.log.waitFor('session.created')).session.type).toBe('realtime');
    client.close();
  });
});

describe('protocol choices', () => {
  it('can take the other answer to each open question of the protocol reference', async () => {
    const other = await emulator({ choices: { defaultSilenceDurationMs: 500, conversationCreated: true, transcriptDoneFirst: true } });
    const client = await RawClient.connect(model(other));
    client.send({ type: 'response.create' });
    const done = await client.log.waitFor('response.done');
    expect(client.log.types(0).slice(0, 2)).toEqual(['session.created', 'conversation.created']);
    const [created] = client.log.of('session.created');
    expect(created.session.audio?.input?.turn_detection).toMatchObject({ silence_duration_ms: 500 });
    expect(client.log.of('conversation.created')[0].conversation).toEqual({ id: done.response.conversation_id, object: 'realtime.conversation' });
    const types = client.log.types(0);
    expect(types.indexOf('response.output_audio_transcript.done')).toBeLessThan(types.indexOf('response.output_audio.done'));
    client.close();
  });
});

describe('conversation items', () => {
  let client: RawClient;
  beforeAll(async () => {
    client = await connected();
  });
  afterAll(() => client.close());

  const create = (item: object, extraFields: object = {}) => client.send({ type: 'conversation.item.create', item, ...extraFields });
  const text = (t: string, id?: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text: t }], ...(id ? { id } : {}) });

  it('appends, inserts at root and after an item, with previous_item_id chaining', async () => {
    const from = client.log.length;
    create(text('one', 'item_one'));
    create(text('two', 'item_two'));
    create(text('zero', 'item_zero'), { previous_item_id: 'root' });
    create(text('one and a half', 'item_half'), { previous_item_id: 'item_one' });
    await sleep(100);
    const added = client.log.of('conversation.item.added', from).map((e) => [e.item.id, e.previous_item_id]);
    expect(added).toEqual([
      ['item_one', null],
      ['item_two', 'item_one'],
      ['item_zero', null],
      ['item_half', 'item_one'],
    ]);
  });

  it('refuses an unknown previous_item_id, a duplicate id and an orphan function_call_output', async () => {
    const from = client.log.length;
    create(text('x'), { previous_item_id: 'item_missing', event_id: 'prev' });
    create(text('x', 'item_one'), { event_id: 'dup' });
    create({ type: 'function_call_output', call_id: 'call_nope', output: '{}' }, { event_id: 'orphan' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'orphan', { from });
    const errors = client.log.of('error', from).map((e) => [e.error.event_id, e.error.param]);
    expect(errors).toEqual([
      ['prev', 'previous_item_id'],
      ['dup', 'item.id'],
      ['orphan', 'item.call_id'],
    ]);
  });

  it('validates item shapes with the param path of the fault', async () => {
    const from = client.log.length;
    create({ role: 'user', content: [] }, { event_id: 'no_type' });
    create({ type: 'message', role: 'assistant', content: [{ type: 'output_audio', transcript: 'hi' }] }, { event_id: 'assistant_audio' });
    create({ type: 'message', role: 'user', content: 'hello' }, { event_id: 'content_string' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'content_string', { from });
    const errors = client.log.of('error', from).map((e) => [e.error.code, e.error.param]);
    expect(errors).toEqual([
      ['missing_required_parameter', 'item.type'],
      ['invalid_value', 'item.content[0].type'],
      ['invalid_type', 'item.content'],
    ]);
  });

  it('retrieves with audio, deletes, and errors on unknown ids', async () => {
    const audio = toBase64(new Int16Array(2400).fill(1000));
    const from = client.log.length;
    create({ type: 'message', role: 'user', id: 'item_audio', content: [{ type: 'input_audio', audio }] });
    client.send({ type: 'conversation.item.retrieve', item_id: 'item_audio' });
    const retrieved = await client.log.waitFor('conversation.item.retrieved', () => true, { from });
    expect(partsOf(retrieved.item)).toEqual([{ type: 'input_audio', audio, transcript: null }]);
    const added = client.log.of('conversation.item.added', from)[0];
    expect(partsOf(added.item)).toEqual([{ type: 'input_audio', transcript: null }]);
    client.send({ type: 'conversation.item.delete', item_id: 'item_audio' });
    expect((await client.log.waitFor('conversation.item.deleted', () => true, { from })).item_id).toBe('item_audio');
    client.send({ type: 'conversation.item.retrieve', item_id: 'item_audio', event_id: 'gone' });
    client.send({ type: 'conversation.item.delete', item_id: 'item_audio', event_id: 'gone2' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'gone2', { from });
    expect(client.log.of('error', from).map((e) => e.error.code)).toEqual(['item_retrieve_invalid_item_id', 'item_delete_invalid_item_id']);
  });
});

describe('responses', () => {
  it('streams text when output_modalities is ["text"]', async () => {
    const client = await connected();
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ping' }] } });
    client.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await client.log.waitFor('response.done');
    const created = client.log.events.findIndex((e) => e.type === 'response.created');
    expect(client.log.types(created)).toEqual([
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ]);
    expect(client.log.of('response.content_part.added')[0].part).toEqual({ type: 'text', text: '' });
    const deltas = client.log.of('response.output_text.delta');
    expect(deltas.map((e) => e.delta).join('')).toBe('You said: Ping');
    // Padding the live service adds to deltas; clients must ignore it.
    for (const delta of deltas) expect(delta).toMatchObject({ obfuscation: expect.stringMatching(/^[0-9A-Za-z]{1,16}$/) });
    expect(partsOf(done.response.output?.[0])).toEqual([{ type: 'output_text', text: 'You said: Ping' }]);
    expect(client.log.of('response.output_audio.delta')).toEqual([]);
    client.close();
  });

  it('speaks G.711 A-law when a response asks for it', async () => {
    const client = await connected();
    client.send({ type: 'response.create', response: { audio: { output: { format: { type: 'audio/pcma' } } } } });
    const created = await client.log.waitFor('response.created');
    await client.log.waitFor('response.done');
    expect(created.response.audio?.output?.format).toEqual({ type: 'audio/pcma' });
    const audio = audioOf(client.log, created.response.id);
    expect(audio.byteLength / 8).toBeGreaterThan(800);
    expect(rms(decodeAudio({ type: 'audio/pcma' }, audio))).toBeGreaterThan(1000);
    client.close();
  });

  it('runs an out-of-band response beside the default one: no conversation events, conversation_id null, metadata echoed', async () => {
    const client = await connected();
    client.send({ type: 'response.create' });
    client.send({ type: 'response.create', response: { conversation: 'none', metadata: { topic: 'classify' }, output_modalities: ['text'], input: [] } });
    await client.log.waitFor('response.done', (e) => e.response.conversation_id === null);
    await client.log.waitFor('response.done', (e) => e.response.conversation_id !== null);
    const [inBand, outOfBand] = client.log.of('response.created');
    expect(inBand.response.conversation_id).toMatch(/^conv_/);
    expect(outOfBand.response).toMatchObject({ conversation_id: null, metadata: { topic: 'classify' } });
    const itemEvents = client.log.of('conversation.item.added').map((e) => e.item.id);
    const outOfBandItem = client.log.of('response.output_item.added').find((e) => e.response_id === outOfBand.response.id)?.item.id;
    expect(itemEvents).not.toContain(outOfBandItem);
    expect(client.log.of('error')).toEqual([]);
    client.close();
  });

  it('cancels on response.cancel with reason client_cancelled', async () => {
    const slow = await emulator({ timing: { audioPace: 1 } });
    const client = await RawClient.connect(model(slow));
    client.send({ type: 'response.create' });
    await client.log.waitFor('response.output_audio.delta');
    client.send({ type: 'response.cancel' });
    const done = await client.log.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    expect(done.response.output).toMatchObject([{ status: 'incomplete' }]);
    client.close();
  });

  it('ends incomplete at max_output_tokens', async () => {
    const client = await connected();
    client.send({ type: 'response.create', response: { max_output_tokens: 3 } });
    const done = await client.log.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' }, max_output_tokens: 3 });
    client.close();
  });

  it('refuses bad response parameters with their path', async () => {
    const client = await connected();
    client.send({ type: 'response.create', event_id: 'mod', response: { output_modalities: ['audio', 'text'] } });
    client.send({ type: 'response.create', event_id: 'ref', response: { conversation: 'none', input: [{ type: 'item_reference', id: 'item_nope' }] } });
    await client.log.waitFor('error', (e) => e.error.event_id === 'ref');
    expect(client.log.of('error').map((e) => [e.error.code, e.error.param])).toEqual([
      ['array_above_max_length', 'response.output_modalities'],
      ['invalid_value', 'response.input[0].id'],
    ]);
    client.close();
  });
});

describe('input audio buffer and timers', () => {
  it('clears the buffer', async () => {
    const client = await connected();
    client.send({ type: 'input_audio_buffer.append', audio: toBase64(new Int16Array(4800)) });
    client.send({ type: 'input_audio_buffer.clear' });
    client.send({ type: 'input_audio_buffer.commit', event_id: 'after_clear' });
    const error = await client.log.waitFor('error');
    expect(client.log.of('input_audio_buffer.cleared')).toHaveLength(1);
    expect(error.error.message).toContain('buffer only has 0.00ms of audio');
    client.close();
  });

  it('measures the 100 ms commit minimum since the last commit, at 8 bytes/ms for G.711', async () => {
    const client = await connected();
    const pcmu = { type: 'audio/pcmu' };
    client.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: pcmu, turn_detection: null } } } });
    await client.log.waitFor('session.updated');
    const append = (ms: number) => client.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(ms * 8, 0xff).toString('base64') });
    append(50);
    client.send({ type: 'input_audio_buffer.commit', event_id: 'c50' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'c50');
    append(60); // 110 ms since the last (successful) commit
    client.send({ type: 'input_audio_buffer.commit', event_id: 'c110' });
    await client.log.waitFor('input_audio_buffer.committed');
    client.send({ type: 'input_audio_buffer.commit', event_id: 'c0' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'c0');
    expect(client.log.of('error').map((e) => [e.error.code, e.error.message.match(/has ([\d.]+ms)/)?.[1], e.error.event_id])).toEqual([
      ['input_audio_buffer_commit_empty', '50.00ms', 'c50'],
      ['input_audio_buffer_commit_empty', '0.00ms', 'c0'],
    ]);
    client.close();
  });

  it('commits pure silence: the item transcribes to "" and consumes no scripted user line (§4.3)', async () => {
    const scripted = await emulator({ script: { turns: [{ user: 'Hello there.', responses: [[{ say: 'Hi!' }]] }] } });
    const client = await RawClient.connect(model(scripted));
    await client.log.waitFor('session.created');
    const input = { turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } };
    client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], audio: { input } } });
    await client.log.waitFor('session.updated');
    client.send({ type: 'input_audio_buffer.append', audio: toBase64(new Int16Array(24 * 300)) });
    client.send({ type: 'input_audio_buffer.commit' });
    const silent = await client.log.waitFor('input_audio_buffer.committed');
    const done = await client.log.waitFor('conversation.item.input_audio_transcription.completed', (e) => e.item_id === silent.item_id);
    expect(done.transcript).toBe('');
    expect(client.log.of('conversation.item.input_audio_transcription.delta')).toHaveLength(0);
    // Audible input (a 440 Hz tone) is what takes the scripted user line.
    const tone = Int16Array.from({ length: 24 * 300 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24_000)));
    client.send({ type: 'input_audio_buffer.append', audio: toBase64(tone) });
    client.send({ type: 'input_audio_buffer.commit' });
    const heard = await client.log.waitFor('input_audio_buffer.committed', (e) => e.item_id !== silent.item_id);
    const line = await client.log.waitFor('conversation.item.input_audio_transcription.completed', (e) => e.item_id === heard.item_id);
    expect(line.transcript).toBe('Hello there.');
    client.close();
  });

  it('refuses audio that is not base64 or not whole PCM16 samples', async () => {
    const client = await connected();
    client.send({ type: 'input_audio_buffer.append', audio: 'not base64!', event_id: 'b64' });
    client.send({ type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3]).toString('base64'), event_id: 'odd' });
    await client.log.waitFor('error', (e) => e.error.event_id === 'odd');
    expect(client.log.of('error').map((e) => [e.error.code, e.error.param])).toEqual([
      ['invalid_value', 'audio'],
      ['invalid_value', 'audio'],
    ]);
    client.close();
  });

  it('fires idle_timeout_ms: timeout_triggered, a commit and a response', async () => {
    const client = await connected();
    client.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 300 } } } } });
    client.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const first = await client.log.waitFor('response.done');
    const triggered = await client.log.waitFor('input_audio_buffer.timeout_triggered');
    const second = await client.log.waitFor('response.done', (e) => e.response.id !== first.response.id);
    const at = client.log.events.indexOf(triggered);
    expect(client.log.types(at).slice(0, 5)).toEqual([
      'input_audio_buffer.timeout_triggered',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
    ]);
    expect(client.log.of('input_audio_buffer.committed', at)[0].item_id).toBe(triggered.item_id);
    expect(partsOf(second.response.output?.[0])[0].transcript).toBe('Are you still there?');
    client.close();
  });

  it('sends session_expired and closes 1001 at sessionMaxMs', async () => {
    const short = await emulator({ sessionMaxMs: 300 });
    const client = await RawClient.connect(model(short));
    const created = await client.log.waitFor('session.created');
    // The session object is the SDK's response shape, which has expires_at; the event type does not.
    expect((created.session as RealtimeSessionCreateResponse).expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    const closed = await client.closed;
    expect(client.log.of('error')[0].error).toMatchObject({ code: 'session_expired', event_id: null });
    expect(closed.code).toBe(1001);
  });

  it('pings the client while idle', async () => {
    const pinging = await emulator({ timing: { pingIntervalMs: 50 } });
    const client = await RawClient.connect(model(pinging));
    const ping = await new Promise<Buffer>((resolve) => client.ws.once('ping', resolve));
    expect(ping.byteLength).toBe(4);
    client.close();
  });
});

describe('robustness', () => {
  it('answers an oversized event with an error, and closes only past the transport maximum', async () => {
    const small = await emulator({ maxEventBytes: 1000 });
    const client = await RawClient.connect(model(small));
    client.send({ type: 'input_audio_buffer.append', audio: 'A'.repeat(1200) });
    expect((await client.log.waitFor('error')).error.code).toBe('invalid_event');
    client.ws.send('x'.repeat(2500));
    expect((await client.closed).code).toBe(1009);
  });

  it('survives garbage on one connection without disturbing another', async () => {
    const victim = await connected();
    const bystander = await connected();
    const garbage: Array<string | Buffer | object> = [
      '', 'null', '[]', '42', '"text"', '{"type":null}', '{"type":{}}', Buffer.alloc(0),
      { type: 'session.update' }, { type: 'session.update', session: null }, { type: 'session.update', session: [] },
      { type: 'session.update', session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } } },
      { type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function' }] } },
      { type: 'session.update', session: { type: 'realtime', turn_detection: { type: 'server_vad' } } },
      { type: 'input_audio_buffer.append' }, { type: 'input_audio_buffer.append', audio: 7 },
      { type: 'conversation.item.create', item: null }, { type: 'conversation.item.create', item: { type: 'message', role: 'robot', content: [] } },
      { type: 'conversation.item.truncate', item_id: 1, content_index: -1, audio_end_ms: 'x' },
      { type: 'response.create', response: 'now' }, { type: 'response.create', response: { tools: 'all' } },
      { type: 'response.cancel', response_id: 42 }, { type: 'session.close' }, { type: 'output_audio_buffer.clear' },
      { type: 'transcription_session.update', session: {} },
    ];
    for (let i = 0; i < 40; i++) garbage.push(JSON.stringify({ type: 'session.update', session: randomValue(4) }));
    for (const frame of garbage) victim.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    victim.send({ type: 'session.update', event_id: 'last', session: { type: 'realtime', instructions: 'Still here.' } });
    const updated = await victim.log.waitFor('session.updated', (e) => e.session.type === 'realtime' && e.session.instructions === 'Still here.', { timeoutMs: 10_000 });
    expect(updated.session).toMatchObject({ instructions: 'Still here.' });
    expect(victim.log.of('error').length).toBeGreaterThanOrEqual(garbage.length - 45);
    expect(victim.ws.readyState).toBe(WebSocket.OPEN);
    expect(bystander.log.of('error')).toEqual([]);
    bystander.send({ type: 'input_audio_buffer.clear' });
    await bystander.log.waitFor('input_audio_buffer.cleared');
    victim.close();
    bystander.close();
  });

  it('answers plain HTTP on the realtime path with 426', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      http.get(open.url.replace('ws://', 'http://'), (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(426);
  });
});

function randomValue(depth: number): unknown {
  const kinds = depth > 0 ? 7 : 5;
  switch (Math.floor(Math.random() * kinds)) {
    case 0: return null;
    case 1: return Math.random() > 0.5 ? Math.random() * 1e6 : -1;
    case 2: return ['realtime', 'audio', 'server_vad', '', 'x'.repeat(50)][Math.floor(Math.random() * 5)];
    case 3: return Math.random() > 0.5;
    case 4: return undefined;
    case 5: return Array.from({ length: 3 }, () => randomValue(depth - 1));
    default: {
      const keys = ['type', 'audio', 'input', 'output', 'format', 'voice', 'tools', 'turn_detection', 'rate', 'bogus'];
      return Object.fromEntries(keys.filter(() => Math.random() > 0.6).map((k) => [k, randomValue(depth - 1)]));
    }
  }
}
