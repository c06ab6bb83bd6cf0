// The emulator's side of OpenAI SIP calls, as any client of the Calls API meets it: the signed
// webhook, accept / reject / refer / hangup with their errors, and the `?call_id=` attach.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import OpenAI, { APIError } from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { FAST_TIMING, RawClient } from './emulator-client.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const KEY = 'sk-emulator-sip-1234';

let emulator: RunningEmulator;
let receiver: http.Server;
let webhookUrl: string;
let openai: OpenAI;
const deliveries: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  emulator = await startEmulator({
    apiKey: KEY, logger: pino({ level: 'silent' }), timing: FAST_TIMING, webhook: { url: webhookUrl, secret: SECRET },
    script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] },
  });
  openai = new OpenAI({ apiKey: KEY, baseURL: emulator.restUrl, webhookSecret: SECRET, maxRetries: 0 });
});

afterAll(async () => {
  await emulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The error a Calls API request answered with, as the openai client raises it. */
async function refusal(request: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  try {
    await request;
  } catch (err) {
    if (err instanceof APIError) return { status: err.status ?? 0, code: err.code };
    throw err;
  }
  throw new Error('the request succeeded');
}

describe('emulated SIP calls', () => {
  it('delivers a realtime.call.incoming that the openai package verifies, with the call\'s SIP headers', async () => {
    const placed = await emulator.placeSipCall({ from: '+14155550123' });
    expect(placed.delivery.status).toBe(200);
    const delivery = deliveries.at(-1)!;
    const event = await openai.webhooks.unwrap(delivery.body, delivery.headers as Record<string, string>, SECRET);
    expect(event).toMatchObject({ object: 'event', type: 'realtime.call.incoming', data: { call_id: placed.call.id } });
    expect(placed.call.id).toMatch(/^rtc_[0-9a-f]{32}$/);
    const headers = (event as { data: { sip_headers: { name: string; value: string }[] } }).data.sip_headers;
    expect(headers.find((h) => h.name === 'From')?.value).toContain('sip:+14155550123@');
    await placed.redeliver();
    expect(deliveries.at(-1)?.headers['webhook-id']).toBe(delivery.headers['webhook-id']);
  });

  it('answers 404 for an unknown call and 401 without the key', async () => {
    expect(await refusal(openai.realtime.calls.accept('rtc_nope', { type: 'realtime' }))).toEqual({ status: 404, code: 'call_not_found' });
    expect(await refusal(openai.realtime.calls.hangup('rtc_nope'))).toMatchObject({ status: 404 });
    const stranger = new OpenAI({ apiKey: 'sk-wrong', baseURL: emulator.restUrl, maxRetries: 0 });
    expect(await refusal(stranger.realtime.calls.hangup('rtc_nope'))).toMatchObject({ status: 401 });
  });

  it('refuses an attach before the accept, and accept fields SIP does not take', async () => {
    const { call } = await emulator.placeSipCall();
    const early = await RawClient.connect(`${emulator.url}?call_id=${call.id}`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect((await early.log.waitFor('error')).error.code).toBe('call_not_active');
    expect((await early.closed).code).toBe(4000);
    const refused = await refusal(openai.realtime.calls.accept(call.id, {
      type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 0.6 } } },
    }));
    expect(refused).toEqual({ status: 400, code: 'unsupported_parameter' });
    expect(await refusal(openai.realtime.calls.accept(call.id, { type: 'realtime', bogus: 1 } as never))).toEqual({ status: 400, code: 'unknown_parameter' });
    expect(await refusal(openai.realtime.calls.refer(call.id, { target_uri: 'tel:+1' }))).toMatchObject({ status: 400 });
    expect(call.state).toBe('ringing');
  });

  it('attaches a sideband to an accepted call: its session, server-owned playback, then hangup ends it', async () => {
    const { call } = await emulator.placeSipCall({ playbackSpeed: 20 });
    await openai.realtime.calls.accept(call.id, { type: 'realtime', instructions: 'Be the front desk.', audio: { output: { voice: 'sage' } } });
    expect(await refusal(openai.realtime.calls.accept(call.id, { type: 'realtime' }))).toEqual({ status: 400, code: 'invalid_call_state' });
    const sideband = await RawClient.connect(`${emulator.url}?call_id=${call.id}`, { headers: { Authorization: `Bearer ${KEY}` } });
    const created = await sideband.log.waitFor('session.created');
    expect(created.session).toMatchObject({ instructions: 'Be the front desk.', audio: { output: { voice: 'sage', format: { type: 'audio/pcmu' } } } });
    sideband.send({ type: 'response.create' });
    const started = await sideband.log.waitFor('output_audio_buffer.started');
    const done = await sideband.log.waitFor('response.done');
    await sideband.log.waitFor('output_audio_buffer.stopped');
    expect(started.response_id).toBe(done.response.id);
    // The audio went to the caller, not to the socket; its transcript still comes.
    expect(sideband.log.types(0)).not.toContain('response.output_audio.delta');
    expect(sideband.log.types(0)).toContain('response.output_audio_transcript.done');
    await openai.realtime.calls.hangup(call.id);
    expect((await sideband.closed).code).toBe(1000);
    expect(call.state).toBe('ended');
    expect(await refusal(openai.realtime.calls.hangup(call.id))).toEqual({ status: 404, code: 'call_not_found' });
  });

  it('rejects a ringing call with its SIP status; it is gone afterwards', async () => {
    const { call } = await emulator.placeSipCall();
    await openai.realtime.calls.reject(call.id, { status_code: 486 });
    expect(call.state).toBe('rejected');
    expect(call.requests).toEqual([{ action: 'reject', status: 200, body: { status_code: 486 } }]);
    expect(await refusal(openai.realtime.calls.accept(call.id, { type: 'realtime' }))).toMatchObject({ status: 404 });
  });
});

describe('emulated SIP calls on GPT-Live', () => {
  it('delivers a signed live.transport.incoming, and checks the Live accept strictly', async () => {
    const { call } = await emulator.placeSipCall({ api: 'live', from: '+14155550123', mediaSecurity: 'rtp' });
    const event = await openai.webhooks.unwrap(deliveries.at(-1)!.body, deliveries.at(-1)!.headers as Record<string, string>, SECRET);
    expect(event).toMatchObject({ type: 'live.transport.incoming', data: { type: 'sip', session_id: call.id, sip_media_security: 'rtp' } });
    // A Live call is not found through the Realtime endpoints, nor a Realtime call through Live's.
    expect(await refusal(openai.realtime.calls.accept(call.id, { type: 'realtime' }))).toMatchObject({ status: 404 });
    const accept = (session: object) => openai.live.sessions.accept(call.id, { session } as never);
    expect(await refusal(accept({ type: 'live', model: 'gpt-live-1', bogus: 1 }))).toEqual({ status: 400, code: 'unknown_parameter' });
    expect(await refusal(accept({ type: 'live', model: 'gpt-live-1', audio: { format: { type: 'audio/pcm', rate: 24000 } } }))).toEqual({ status: 400, code: 'unsupported_parameter' });
    expect(await refusal(accept({ model: 'gpt-live-1' }))).toEqual({ status: 400, code: 'missing_required_parameter' });
    expect(await refusal(openai.live.sessions.reject(call.id, { status_code: 200 }))).toMatchObject({ status: 400, code: 'invalid_value' });
    expect(await refusal(openai.live.sessions.reject(call.id, {} as never))).toMatchObject({ status: 400 });
    const early = await RawClient.connect(`${emulator.restUrl.replace(/^http/, 'ws')}/live/sessions/${call.id}/attach`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect((await early.log.waitFor('error')).error.code).toBe('call_not_active');
    expect(call.state).toBe('ringing');
  });

  it('attaches a sideband to the accepted session: no start, timestamped output, appends refused; hangup closes it', async () => {
    const { call } = await emulator.placeSipCall({ api: 'live' });
    await openai.live.sessions.accept(call.id, { session: { type: 'live', model: 'gpt-live-1', instructions: 'Be the front desk.', audio: { output: { voice: 'sage' } } } });
    const sideband = await RawClient.connect(`${emulator.restUrl.replace(/^http/, 'ws')}/live/sessions/${call.id}/attach`, { headers: { Authorization: `Bearer ${KEY}` } });
    sideband.send({ type: 'session.input_audio.append', audio: '', event_id: 'a1' });
    expect((await sideband.log.waitFor('error')).error).toMatchObject({ code: 'invalid_event', client_event_id: 'a1' });
    sideband.send({ type: 'session.commentary.append', delegation_id: null, content: 'Greet the caller now.' });
    // RawClient speaks Realtime's types; these frames are Live's.
    const delta = (await sideband.log.waitFor('session.output_audio.delta' as never)) as unknown as { start_ms: number; end_ms: number };
    expect(typeof delta.start_ms).toBe('number');
    expect(delta.end_ms).toBeGreaterThan(delta.start_ms);
    expect(sideband.log.types(0)).not.toContain('session.started');
    await openai.live.sessions.hangup(call.id);
    expect(((await sideband.log.waitFor('session.closed' as never)) as unknown as { reason: string }).reason).toBe('remote_hangup');
    expect(call.state).toBe('ended');
  });
});
