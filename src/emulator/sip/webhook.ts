import { createHmac, randomBytes } from 'node:crypto';
import type { SipCall } from './calls.ts';

// The incoming-call webhook of a SIP call, signed as
// OpenAI signs it: Standard Webhooks, HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`
// with the base64-decoded secret after `whsec_`, sent as `v1,<base64>`. Hand-written: the
// `openai` package verifies signatures but has no signer.

export interface WebhookDelivery {
  /** The same id on every retry of this event. */
  readonly webhookId: string;
  readonly body: string;
}

/** A delivery's HTTP answer. */
export interface DeliveryResult {
  status: number;
  body: string;
}

/**
 * `realtime.call.incoming` (REALTIME_PROTOCOL.md §1.4) or, for a call offered to GPT-Live,
 * `live.transport.incoming` (LIVE_PROTOCOL.md §1.4) with the session id and the media security.
 */
export function incomingCallDelivery(call: SipCall, mediaSecurity = 'srtp'): WebhookDelivery {
  const data = call.api === 'live'
    ? { type: 'sip', session_id: call.id, sip_headers: call.sipHeaders(), sip_media_security: mediaSecurity }
    : { call_id: call.id, sip_headers: call.sipHeaders() };
  const event = {
    object: 'event',
    id: `evt_${randomBytes(12).toString('hex')}`,
    type: call.api === 'live' ? 'live.transport.incoming' : 'realtime.call.incoming',
    created_at: Math.floor(Date.now() / 1000),
    data,
  };
  return { webhookId: `wh_${randomBytes(12).toString('hex')}`, body: JSON.stringify(event) };
}

export function webhookSignature(secret: string, webhookId: string, timestamp: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/** Posts the delivery, signed now; a retry is the same call again (same id, fresh timestamp). */
export async function deliver(url: string, secret: string, delivery: WebhookDelivery): Promise<DeliveryResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
      'webhook-id': delivery.webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(secret, delivery.webhookId, timestamp, delivery.body),
    },
    body: delivery.body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}
