import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkDelivery } from '../../../../src/edges/sip/webhook.ts';
import { webhookSignature } from '../../../../src/emulator/sip/webhook.ts';

// The test vector every OpenAI SDK checks its webhook verification against (openai-node,
// openai-python, openai-go … "standardized test constants"): a public fixture, not a secret.
// REALTIME_PROTOCOL.md gives none of its own.
const VECTOR = {
  secret: 'whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c=',
  payload: '{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}',
  timestamp: 1750861210,
  webhookId: 'wh_685c059ae39c8190af8c71ed1022a24d',
  signature: 'v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY=',
};

const client = new OpenAI({ apiKey: 'unused' });
const headers = (over: Record<string, string> = {}) => ({
  'webhook-id': VECTOR.webhookId, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature, ...over,
});
const at = (seconds: number) => vi.useFakeTimers({ now: seconds * 1000, toFake: ['Date'] });

describe('OpenAI webhook deliveries (Standard Webhooks, via openai webhooks.unwrap)', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts the SDKs\' test vector, and acknowledges an event type it does not act on', async () => {
    at(VECTOR.timestamp);
    expect(await checkDelivery(client, VECTOR.secret, VECTOR.payload, headers())).toEqual({ ok: true, webhookId: VECTOR.webhookId, ignored: 'response.completed' });
  });

  it('signs as OpenAI does: the emulator\'s signer reproduces the vector', () => {
    expect(webhookSignature(VECTOR.secret, VECTOR.webhookId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it('takes the matching one of several signatures', async () => {
    at(VECTOR.timestamp);
    const several = headers({ 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${VECTOR.signature}` });
    expect((await checkDelivery(client, VECTOR.secret, VECTOR.payload, several)).ok).toBe(true);
  });

  it.each([
    ['a changed body', { payload: VECTOR.payload.replace('resp_123', 'resp_124') }, 'VG_ERR_WEBHOOK_SIGNATURE'],
    ['another secret', { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` }, 'VG_ERR_WEBHOOK_SIGNATURE'],
    ['a stale timestamp (301 s old)', { now: VECTOR.timestamp + 301 }, 'VG_ERR_WEBHOOK_SIGNATURE'],
    ['a timestamp 301 s ahead', { now: VECTOR.timestamp - 301 }, 'VG_ERR_WEBHOOK_SIGNATURE'],
    ['no webhook-signature header', { drop: 'webhook-signature' }, 'VG_ERR_BAD_REQUEST'],
    ['no webhook-id header', { drop: 'webhook-id' }, 'VG_ERR_BAD_REQUEST'],
  ])('refuses %s', async (_what, change: { payload?: string; secret?: string; now?: number; drop?: string }, code) => {
    at(change.now ?? VECTOR.timestamp);
    const sent: Record<string, string> = headers();
    if (change.drop) delete sent[change.drop];
    const delivery = await checkDelivery(client, change.secret ?? VECTOR.secret, change.payload ?? VECTOR.payload, sent);
    expect(delivery).toMatchObject({ ok: false, error: { code } });
    expect((delivery as { error: { httpStatus: number } }).error.httpStatus).toBe(code === 'VG_ERR_BAD_REQUEST' ? 400 : 401);
  });

  it('reads a realtime.call.incoming, and refuses one without a usable call id', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (body: string) => ({ 'webhook-id': 'wh_1', 'webhook-timestamp': String(now), 'webhook-signature': webhookSignature(VECTOR.secret, 'wh_1', now, body) });
    const event = (callId: string) => JSON.stringify({
      object: 'event', id: 'evt_1', type: 'realtime.call.incoming', created_at: now,
      data: { call_id: callId, sip_headers: [{ name: 'From', value: '<sip:+14155550123@carrier.example>' }] },
    });
    const good = event('rtc_479a275623b54bdb9b6fbae2f7cbd408');
    expect(await checkDelivery(client, VECTOR.secret, good, signed(good))).toMatchObject({
      ok: true, webhookId: 'wh_1', call: { callId: 'rtc_479a275623b54bdb9b6fbae2f7cbd408', sipHeaders: [{ name: 'From', value: '<sip:+14155550123@carrier.example>' }] },
    });
    // A gateway on GPT-Live acknowledges it and leaves the call to a Realtime runtime.
    expect(await checkDelivery(client, VECTOR.secret, good, signed(good), 'live')).toEqual({ ok: true, webhookId: 'wh_1', ignored: 'realtime.call.incoming' });
    const bad = event('../../etc');
    const refused = await checkDelivery(client, VECTOR.secret, bad, signed(bad));
    expect(refused).toMatchObject({ ok: false, error: { code: 'VG_ERR_BAD_REQUEST' } });
    expect((refused as { error: Error }).error.message).toContain('data.call_id');
  });

  it('reads a live.transport.incoming on GPT-Live (any sip_media_security), and ignores it on Realtime', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (body: string) => ({ 'webhook-id': 'wh_2', 'webhook-timestamp': String(now), 'webhook-signature': webhookSignature(VECTOR.secret, 'wh_2', now, body) });
    const event = (sessionId: string) => JSON.stringify({
      object: 'event', id: 'evt_2', type: 'live.transport.incoming', created_at: now,
      data: { type: 'sip', session_id: sessionId, sip_headers: [{ name: 'To', value: '<sip:+18005550199@sip.api.openai.com>' }], sip_media_security: 'zrtp-later' },
    });
    const good = event('live_abc123');
    expect(await checkDelivery(client, VECTOR.secret, good, signed(good), 'live')).toMatchObject({ ok: true, call: { type: 'live.transport.incoming', callId: 'live_abc123' } });
    expect(await checkDelivery(client, VECTOR.secret, good, signed(good))).toEqual({ ok: true, webhookId: 'wh_2', ignored: 'live.transport.incoming' });
    const bad = event('live_/../x');
    const refused = await checkDelivery(client, VECTOR.secret, bad, signed(bad), 'live');
    expect((refused as { error: Error }).error.message).toContain('data.session_id');
  });
});
