import type { IncomingHttpHeaders } from 'node:http';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
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

export type IncomingCall = Pick<RealtimeCallIncomingWebhookEvent, 'id' | 'type'> & { data: z.infer<typeof incomingCall>['data'] };

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
export async function checkDelivery(client: OpenAI, secret: string, rawBody: string, headers: IncomingHttpHeaders): Promise<Delivery> {
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
  if (type !== 'realtime.call.incoming') return { ok: true, webhookId, ignored: typeof type === 'string' ? type : '(no type)' };
  const parsed = incomingCall.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: new VgError('VG_ERR_BAD_REQUEST', `realtime.call.incoming: ${issue.path.join('.')}: ${issue.message}`) };
  }
  return { ok: true, webhookId, call: parsed.data };
}
