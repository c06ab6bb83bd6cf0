import type { IncomingHttpHeaders } from 'node:http';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import type { LiveTransportIncomingWebhookEvent, RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import { z } from 'zod';
import { VgError } from '../../errors.ts';

/** A Standard Webhooks delivery older or newer than this (seconds) is refused (openai's default). */
export const WEBHOOK_TOLERANCE_S = 300;

/** SIP INVITEs carry a few dozen headers; more than this is not a call. */
const MAX_SIP_HEADERS = 200;

const incomingCall = z.object({
  type: z.literal('realtime.call.incoming'),
  id: z.string().min(1),
  data: z.object({
    call_id: z.string().regex(/^rtc_[A-Za-z0-9_]{1,128}$/, 'a call id such as rtc_…'),
    sip_headers: z.array(z.object({ name: z.string().max(256), value: z.string().max(4096) })).max(MAX_SIP_HEADERS),
  }),
});

/** GPT-Live's (LIVE_PROTOCOL.md §1.4): the session id; `sip_media_security` is any string (`rtp`, `srtp`, or one added later). */
const incomingLiveCall = z.object({
  type: z.literal('live.transport.incoming'),
  id: z.string().min(1),
  data: z.object({
    type: z.literal('sip'),
    session_id: z.string().regex(/^[A-Za-z0-9_-]{1,160}$/, 'a session id such as live_…'),
    sip_headers: z.array(z.object({ name: z.string().max(256), value: z.string().max(4096) })).max(MAX_SIP_HEADERS),
    sip_media_security: z.string().max(64).optional(),
  }),
});

/** The call a webhook offers, on either API: its id (Realtime `call_id`, GPT-Live `session_id`) and the INVITE's headers. */
export interface IncomingCall {
  id: RealtimeCallIncomingWebhookEvent['id'] | LiveTransportIncomingWebhookEvent['id'];
  type: RealtimeCallIncomingWebhookEvent['type'] | LiveTransportIncomingWebhookEvent['type'];
  callId: string;
  sipHeaders: { name: string; value: string }[];
}

export type Delivery =
  | { ok: true; webhookId: string; call: IncomingCall }
  /** Signed and well-formed, but not an event the gateway acts on: acknowledged and ignored. */
  | { ok: true; webhookId: string; ignored: string }
  | { ok: false; error: VgError };

/**
 * Checks one webhook delivery with the `openai` package's `webhooks.unwrap` (Standard Webhooks:
 * HMAC-SHA256 over `webhook-id.webhook-timestamp.body`, the timestamp within 5 minutes), then the
 * shape of the one event the gateway acts on. Nothing is done for a delivery that fails here.
 */
export async function checkDelivery(client: OpenAI, secret: string, rawBody: string, headers: IncomingHttpHeaders, api: 'realtime' | 'live' = 'realtime'): Promise<Delivery> {
  const webhookId = headers['webhook-id'];
  if (typeof webhookId !== 'string' || typeof headers['webhook-signature'] !== 'string' || typeof headers['webhook-timestamp'] !== 'string') {
    return { ok: false, error: new VgError('VG_ERR_BAD_REQUEST', 'webhook-id, webhook-timestamp and webhook-signature headers are required') };
  }
  let event: unknown;
  try {
    event = await client.webhooks.unwrap(rawBody, { ...headers } as Record<string, string>, secret, WEBHOOK_TOLERANCE_S);
  } catch (err) {
    if (err instanceof InvalidWebhookSignatureError) return { ok: false, error: new VgError('VG_ERR_WEBHOOK_SIGNATURE', err.message) };
    // Signed, but the body is not JSON (unwrap parses after verifying).
    return { ok: false, error: new VgError('VG_ERR_BAD_REQUEST', `the webhook body is not JSON: ${(err as Error).message}`) };
  }
  const type = (event as { type?: unknown } | null)?.type;
  // One pending call may be offered to both APIs; the gateway takes it on its own API only, so it is
  // never accepted twice (LIVE_PROTOCOL.md §1.4: the first accept picks the runtime).
  const wanted = api === 'live' ? 'live.transport.incoming' : 'realtime.call.incoming';
  if (type !== wanted) return { ok: true, webhookId, ignored: typeof type === 'string' ? type : '(no type)' };
  const parsed = api === 'live' ? incomingLiveCall.safeParse(event) : incomingCall.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: new VgError('VG_ERR_BAD_REQUEST', `${wanted}: ${issue.path.join('.')}: ${issue.message}`) };
  }
  const call = parsed.data;
  const callId = call.type === 'live.transport.incoming' ? call.data.session_id : call.data.call_id;
  return { ok: true, webhookId, call: { id: call.id, type: call.type, callId, sipHeaders: call.data.sip_headers } };
}
