import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { LiveTestClient } from '../helpers/live-client.ts';
import { speechPcm } from '../helpers/speech.ts';

// The GPT-Live emulator driven by the `openai` package's own LiveWS client: what any client of
// the service would see (LIVE_PROTOCOL.md §1.1, §2, §3).

const SCRIPT = {
  name: 'live conformance',
  turns: [
    { user: 'When does the pool open?', responses: [[{ say: 'Let me check.' }, { call: 'pool_hours', arguments: { pool: 'main' } }], [{ say: 'The pool opens at six.' }]] },
  ],
};

const BACKEND_TOOL = { type: 'function' as const, name: 'pool_hours', description: 'Opening hours of a pool.', parameters: { type: 'object', properties: { pool: { type: 'string' } } } };

describe('GPT-Live emulator, driven by the openai LiveWS client', () => {
  let emulator: RunningEmulator;
  let client: LiveTestClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      script: SCRIPT,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      liveChoices: { outputPace: 8, usageIntervalMs: 200 },
    });
    client = new LiveTestClient(emulator.restUrl);
  });
  afterAll(async () => {
    client?.close();
    await emulator?.close();
  });

  it('refuses commands before session.start, and a start config with unknown or missing fields', async () => {
    client.send({ type: 'session.input_audio.mute', event_id: 'early' });
    const early = await client.waitFor('error', (e) => e.client_event_id === 'early');
    expect(early.error).toMatchObject({ type: 'invalid_request_error', code: 'session_not_started' });

    // A Realtime-era field: the config is strict.
    client.ws.send(JSON.parse(JSON.stringify({ type: 'session.start', event_id: 'bad1', session: { model: 'gpt-live-1', voice: 'marin' } })));
    const unknown = await client.waitFor('error', (e) => e.client_event_id === 'bad1');
    expect(unknown.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_parameter', param: 'session.voice' });

    client.ws.send(JSON.parse(JSON.stringify({ type: 'session.start', event_id: 'bad2', session: { instructions: 'Be brief.' } })));
    const missing = await client.waitFor('error', (e) => e.client_event_id === 'bad2');
    expect(missing.error).toMatchObject({ code: 'missing_required_parameter', param: 'session.model' });

    client.send({ type: 'session.start', event_id: 'bad3', session: { model: 'gpt-live-1', audio: { format: { type: 'audio/pcm', rate: 16000 }, output: { voice: 'marin' } }, instructions: 'x'.repeat(70_000) } });
    const long = await client.waitFor('error', (e) => e.client_event_id === 'bad3');
    expect(long.error).toMatchObject({ code: 'string_above_max_length', param: 'session.instructions' });
  });

  it('starts a session with Responses delegation and echoes its resource', async () => {
    client.send({
      type: 'session.start',
      event_id: 'start',
      session: {
        model: 'gpt-live-1',
        instructions: 'You are a friendly hotel voice. Delegate anything that needs facts.',
        audio: { format: { type: 'audio/pcm', rate: 24000 }, output: { voice: 'cedar' } },
        delegation: { type: 'responses', responses: { model: 'gpt-5.1', instructions: 'Answer hotel questions.', tools: [BACKEND_TOOL] } },
      },
    });
    const started = await client.waitFor('session.started');
    expect(started.client_event_id).toBe('start');
    expect(started.session).toMatchObject({ model: 'gpt-live-1', status: 'active', audio: { output: { voice: 'cedar' } } });
    expect(started.session.id).toMatch(/^live_/);
    expect(started.session.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(started.session.delegation).toMatchObject({ type: 'responses', responses: { model: 'gpt-5.1', tools: [{ name: 'pool_hours' }] } });

    client.send({ type: 'session.start', event_id: 'again', session: { model: 'gpt-live-1' } });
    expect((await client.waitFor('error', (e) => e.client_event_id === 'again')).error.code).toBe('session_already_started');
  });

  it('hears a spoken turn, answers in speech, and delegates a function call that round-trips', async () => {
    // In real time: the session timeline is the wall clock, and speech sent faster than that would
    // be placed before its own start (clamped to 0).
    await client.stream(await speechPcm('When does the pool open?', { leadingSilenceMs: 800, trailingSilenceMs: 1200 }), 1);
    await client.waitFor('session.output_transcript.delta');
    const heard = client.ofType('session.input_transcript.delta');
    expect(heard.map((d) => d.delta).join('')).toBe('When does the pool open?');
    for (const delta of heard) expect(delta.end_ms).toBeGreaterThan(delta.start_ms);
    expect(heard[0].start_ms).toBeGreaterThan(0);

    const delegation = await client.waitFor('session.delegation.created');
    expect(delegation.delegation).toMatchObject({ type: 'delegation', target: 'responses' });
    const callDone = await client.waitFor('response.event', (e) => e.event.type === 'response.output_item.done');
    const item = callDone.event.item as { type: string; status: string; call_id: string; name: string; arguments: string };
    expect(item).toMatchObject({ type: 'function_call', status: 'completed', name: 'pool_hours' });
    expect(JSON.parse(item.arguments)).toEqual({ pool: 'main' });
    expect(callDone.delegation_id).toBe(delegation.delegation.id);
    const completed = await client.waitFor('response.event', (e) => e.event.type === 'response.completed');
    expect((completed.event.response as { usage?: { total_tokens: number } }).usage?.total_tokens).toBeGreaterThan(0);

    client.send({ type: 'response.item.create', item: { type: 'function_call_output', call_id: item.call_id, output: '{"opens":"06:00"}' } });
    client.send({ type: 'response.create' });
    const text = await client.waitFor('response.event', (e) => e.event.type === 'response.output_text.done');
    expect(text.event.text).toBe('The pool opens at six.');
    // The voice model speaks what the backend returned, word by word on the session timeline.
    await client.waitFor('session.output_transcript.delta', (e) => e.delta.includes('six.'));
    const said = client.ofType('session.output_transcript.delta');
    expect(said.map((d) => d.delta).join('')).toBe('Let me check. The pool opens at six.');
    for (let i = 1; i < said.length; i++) expect(said[i].start_ms).toBeGreaterThanOrEqual(said[i - 1].start_ms);
    const audio = client.ofType('session.output_audio.delta');
    const bytes = audio.reduce((n, d) => n + Buffer.from(d.delta, 'base64').byteLength, 0);
    expect(bytes / 48).toBeGreaterThan(1000); // over a second of speech at 24 kHz

    // An output for a call nobody made is refused.
    client.send({ type: 'response.item.create', event_id: 'stray', item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' } });
    expect((await client.waitFor('error', (e) => e.client_event_id === 'stray')).error.param).toBe('item.call_id');
  });

  it('takes appends within their limits and refuses the rest', async () => {
    client.send({ type: 'session.instructions.append', event_id: 'a1', content: 'The caller is now verified.', delegation_id: null });
    const appended = await client.waitFor('session.instructions.appended', (e) => e.client_event_id === 'a1');
    expect(appended.end_ms).toBeGreaterThanOrEqual(appended.start_ms);
    client.send({ type: 'session.thinking.append', event_id: 'a2', content: 'Looking it up.', delegation_id: null });
    await client.waitFor('session.thinking.appended', (e) => e.client_event_id === 'a2');

    client.send({ type: 'session.instructions.append', event_id: 'a3', content: 'x', delegation_id: 'dlg_1' });
    expect((await client.waitFor('error', (e) => e.client_event_id === 'a3')).error.param).toBe('delegation_id');
    client.send({ type: 'session.instructions.append', event_id: 'a4', content: 'word '.repeat(600), delegation_id: null });
    expect((await client.waitFor('error', (e) => e.client_event_id === 'a4')).error).toMatchObject({ code: 'string_above_max_length', param: 'content' });
  });

  it('updates the backend sparsely, and keeps the delegation type', async () => {
    client.send({ type: 'session.update', event_id: 'u1', session: { delegation: { type: 'responses', responses: { instructions: 'Now in the wrap-up state.' } } } });
    const updated = await client.waitFor('session.updated', (e) => e.client_event_id === 'u1');
    expect(updated.session.delegation).toMatchObject({ type: 'responses', responses: { model: 'gpt-5.1', instructions: 'Now in the wrap-up state.', tools: [{ name: 'pool_hours' }] } });
    client.send({ type: 'session.update', event_id: 'u2', session: { delegation: { type: 'client' } } });
    expect((await client.waitFor('error', (e) => e.client_event_id === 'u2')).error.param).toBe('session.delegation.type');
  });

  it('hears nothing while muted', async () => {
    client.send({ type: 'session.input_audio.mute', event_id: 'm1' });
    await client.waitFor('session.input_audio.muted', (e) => e.client_event_id === 'm1');
    await client.stream(await speechPcm('Is the spa open?', { leadingSilenceMs: 200, trailingSilenceMs: 900 }));
    client.send({ type: 'session.input_audio.unmute', event_id: 'm2' });
    await client.waitFor('session.input_audio.unmuted', (e) => e.client_event_id === 'm2');
    // Frames are handled in order: any turn heard while muted would precede the unmute's ack.
    const muted = client.events.findIndex((e) => e.type === 'session.input_audio.muted');
    const unmuted = client.events.findIndex((e) => e.type === 'session.input_audio.unmuted');
    expect(client.events.slice(muted, unmuted).filter((e) => e.type === 'session.input_transcript.delta')).toEqual([]);
  });

  it('reports usage, and closes with the reason and the usage', async () => {
    const usage = await client.waitFor('session.usage.updated');
    expect(usage.usage.seconds).toBeGreaterThan(0);
    client.send({ type: 'session.close', event_id: 'bye' });
    const closed = await client.waitFor('session.closed');
    expect(closed).toMatchObject({ reason: 'close_requested', client_event_id: 'bye', session: { status: 'active' } });
    expect(closed.usage.seconds).toBeGreaterThanOrEqual(usage.usage.seconds);
    expect((await client.closed).code).toBe(1000);
  });

  it('refuses a wrong key after the upgrade', async () => {
    const keyed = await startEmulator({ apiKey: 'right-key', logger: pino({ level: 'silent' }) });
    const wrong = new LiveTestClient(keyed.restUrl, 'wrong-key');
    const error = await wrong.waitFor('error');
    expect(error.error.code).toBe('invalid_api_key');
    expect((await wrong.closed).code).toBe(3000);
    await keyed.close();
  });
});
