import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startStream } from '../helpers/stream-start.ts';
import { parseStreamTwiml, postTwilioForm, postVoiceWebhook, twilioSignature, TwilioPhone, type DialOptions } from '../../src/converse/twilio-phone.ts';

const AUTH_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://gateway.test';
const STREAM_URL = `${PUBLIC_URL.replace('https', 'wss')}/twilio/media`;
const CALL = { CallSid: 'CA00000000000000000000000000000001', From: '+14155550100', To: '+18005550199', AccountSid: 'AC1' };

describe('phone edge: signatures, bad messages and ends', () => {
  let gw: TestGateway;
  let dial: DialOptions;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { twilioAuthToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, maxSessions: 3 } });
    dial = { httpUrl: gw.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN, playbackSpeed: 50 };
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses a webhook without a valid signature with 403, and answers nothing', async () => {
    const backendsBefore = gw.tap.openConnections();
    for (const signature of ['', 'bm90IGEgc2lnbmF0dXJl', twilioSignature('another-token', `${PUBLIC_URL}/twilio/voice`, CALL),
      twilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, { ...CALL, From: '+19999999999' })]) {
      const res = await postVoiceWebhook(dial, CALL, signature);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'VG_ERR_BAD_SIGNATURE', message: expect.stringContaining('X-Twilio-Signature') } });
    }
    expect(gw.tap.openConnections()).toBe(backendsBefore);
  });

  it('refuses a stream upgrade without a valid signature with 403, before any socket', async () => {
    await expect(TwilioPhone.open(dial, STREAM_URL, 'bm90IGEgc2lnbmF0dXJl')).rejects.toThrow('HTTP 403');
    await expect(TwilioPhone.open(dial, STREAM_URL, twilioSignature(AUTH_TOKEN, 'wss://elsewhere.test/twilio/media'))).rejects.toThrow('HTTP 403');
    await expect(TwilioPhone.open(dial, STREAM_URL, '')).rejects.toThrow('HTTP 403');
  });

  it('ends a signed stream whose start has no valid token for its call, without a session', async () => {
    const res = await postVoiceWebhook(dial, CALL);
    const { parameters } = parseStreamTwiml(await res.text());
    const attempts = [
      { ...parameters, token: undefined },
      { ...parameters, From: '+19999999999' }, // the numbers the webhook signed, changed
      parameters, // the real one: accepted once...
      parameters, // ...and not twice
    ];
    const outcomes: string[] = [];
    for (const customParameters of attempts) outcomes.push(await startStream(dial, STREAM_URL, CALL.CallSid, customParameters));
    expect(outcomes).toEqual(['closed:stream_refused', 'closed:stream_refused', 'media', 'closed:stream_refused']);
  });

  it('ignores malformed messages: the call goes on, and so does another', async () => {
    const [victim, bystander] = await Promise.all([TwilioPhone.dial(dial), TwilioPhone.dial(dial)]);
    await victim.waitFor((m) => m.event === 'media');
    const bad = [
      '{"event":', 'null', '[]', '{"event":"dance"}', '{"event":"media","media":{"payload":"AAAA"}}',
      JSON.stringify({ event: 'media', streamSid: victim.streamSid, media: { payload: '"}, "x": 1, "y":"' } }),
      JSON.stringify({ event: 'media', streamSid: 'MZ999', media: { payload: 'AAAA' } }),
      JSON.stringify({ event: 'mark', streamSid: victim.streamSid, mark: { name: 'not-ours' } }),
      JSON.stringify({ event: 'dtmf', streamSid: victim.streamSid, dtmf: { digit: 'x' } }),
      JSON.stringify({ event: 'start', streamSid: 'MZ2', start: {} }),
    ];
    const appendsBefore = gw.tap.clientEvents('input_audio_buffer.append').length;
    for (const text of bad) victim.ws.send(text);
    victim.ws.send(Buffer.from([1, 2, 3]));
    // Still live: its audio still reaches the backend.
    await victim.sendUlaw(new Uint8Array(1600).fill(0xff), 50);
    await gw.tap.waitFor(() => gw.tap.clientEvents('input_audio_buffer.append').length >= appendsBefore + 10);
    const appended = gw.tap.clientEvents('input_audio_buffer.append').slice(appendsBefore).map((e) => e.audio as string);
    expect(appended.every((a) => /^[A-Za-z0-9+/]*={0,2}$/.test(a))).toBe(true);
    expect(victim.ws.readyState).toBe(WebSocket.OPEN);
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    await bystander.waitFor((m) => m.event === 'media');
    victim.hangUp();
    bystander.hangUp();
    await Promise.all([victim.closed, bystander.closed]);
  });

  it('answers busy, with no stream, when the session limit is reached', async () => {
    const calls = await Promise.all([0, 1, 2].map(() => TwilioPhone.dial(dial)));
    await Promise.all(calls.map((c) => c.waitFor((m) => m.event === 'media')));
    const res = await postVoiceWebhook(dial, { ...CALL, CallSid: 'CA00000000000000000000000000000002' });
    const twiml = await res.text();
    expect(res.status).toBe(200);
    expect(twiml).toMatch(/^<\?xml[^>]*\?><Response><Say>[^<]*busy[^<]*<\/Say><Hangup\/><\/Response>$/);
    for (const c of calls) c.hangUp();
    await Promise.all(calls.map((c) => c.closed));
  });

  it('closes the stream when the backend is gone for good, so Twilio speaks the apology and hangs up', async () => {
    const call = await TwilioPhone.dial(dial);
    await call.waitFor((m) => m.event === 'media');
    await gw.tap.close();
    const closed = await call.closed;
    expect(closed).toEqual({ code: 1000, reason: 'backend_lost' });
    expect(await call.afterStream()).toMatch(/<Response><Say>Sorry, we could not continue this call\. Please call again\.<\/Say><Hangup\/><\/Response>$/);
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.app.sessions.size).toBe(0);
  });

  it('answers Twilio\'s question after a stream it knows nothing of with the apology, and an unsigned one with 403', async () => {
    const unknown = await postTwilioForm(dial, '/twilio/after', { CallSid: 'CA00000000000000000000000000000099', CallStatus: 'in-progress' });
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain('<Say>Sorry, we could not continue this call.');
    const unsigned = await postTwilioForm(dial, '/twilio/after', { CallSid: 'CA00000000000000000000000000000099' }, 'bm90IGEgc2lnbmF0dXJl');
    expect(unsigned.status).toBe(403);
  });
});

describe('phone edge: off without TWILIO_AUTH_TOKEN', () => {
  it('has no Twilio routes (404), rather than open ones', async () => {
    const gw = await startTestGateway({ script: GREETING_SCRIPT });
    try {
      const res = await fetch(`${gw.httpUrl}/twilio/voice`, { method: 'POST', body: 'CallSid=CA1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(404);
      await expect(TwilioPhone.open({ httpUrl: gw.httpUrl, publicUrl: PUBLIC_URL, authToken: AUTH_TOKEN }, STREAM_URL)).rejects.toThrow('HTTP 404');
    } finally {
      await gw.close();
    }
  });
});
