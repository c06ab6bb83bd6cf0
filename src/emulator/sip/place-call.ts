import type http from 'node:http';
import { z } from 'zod';
import { loadScript, type ConversationScript } from '../responder/script.ts';
import { SipCall, type CallApi, type SipCalls } from './calls.ts';
import { deliver, incomingCallDelivery, type DeliveryResult } from './webhook.ts';

// Placing a simulated incoming SIP call: the call rings, and its signed `realtime.call.incoming`
// goes to the configured webhook URL, as OpenAI sends it when a carrier's INVITE arrives.

/** Where the emulator sends its webhooks (EmulatorOptions.webhook). */
export interface WebhookTarget {
  url: string;
  /** The webhook secret, `whsec_<base64>` as OpenAI issues it. */
  secret: string;
}

export interface PlaceCallOptions {
  /** Which API the call is offered to: `realtime.call.incoming` (default) or GPT-Live's `live.transport.incoming`. */
  api?: CallApi;
  /** GPT-Live's `sip_media_security` (`rtp`, `srtp` or another value the receiver must tolerate); default 'srtp'. */
  mediaSecurity?: string;
  /** Default: the emulator's `webhook.url`. */
  webhookUrl?: string;
  /** Default: the emulator's `webhook.secret`; another one makes a delivery the receiver must refuse. */
  webhookSecret?: string;
  /** The caller's number (the INVITE's From); default '+15550100001'. */
  from?: string;
  /** The number dialled (To); default '+15550100002'. */
  to?: string;
  /** This call's conversation script (the caller's lines and the model's answers); default the emulator's. */
  script?: ConversationScript | string;
  /** How many times faster than real time the caller hears the agent; default 1. */
  playbackSpeed?: number;
}

export interface PlacedCall {
  readonly call: SipCall;
  /** How the webhook receiver answered the delivery. */
  readonly delivery: DeliveryResult;
  /** Delivers the same event again (same `webhook-id`), as OpenAI retries one; to `webhookUrl` if given (another replica). */
  redeliver(webhookUrl?: string): Promise<DeliveryResult>;
}

export async function placeCall(calls: SipCalls, defaults: WebhookTarget | undefined, opts: PlaceCallOptions = {}): Promise<PlacedCall> {
  const url = opts.webhookUrl ?? defaults?.url;
  const secret = opts.webhookSecret ?? defaults?.secret;
  if (!url || !secret) throw new Error('placing a SIP call needs a webhook URL and secret (the emulator option `webhook`, or per call)');
  const call = new SipCall({
    api: opts.api,
    from: opts.from ?? '+15550100001',
    to: opts.to ?? '+15550100002',
    script: opts.script === undefined ? undefined : await loadScript(opts.script),
    playbackSpeed: opts.playbackSpeed ?? 1,
  });
  calls.add(call);
  const event = incomingCallDelivery(call, opts.mediaSecurity);
  const delivery = await deliver(url, secret, event);
  return { call, delivery, redeliver: (to = url) => deliver(to, secret, event) };
}

const placeCallBody = z.strictObject({ api: z.enum(['realtime', 'live']).optional(), from: z.string().regex(/^\+?[0-9A-Za-z._-]{1,64}$/).optional(), to: z.string().regex(/^\+?[0-9A-Za-z._-]{1,64}$/).optional() });

/** `POST /emulator/sip/calls` `{ "api"?, "from"?, "to"? }`: places a call; 201 `{ call_id, webhook_status }`. */
export function placeCallHandler(calls: SipCalls, target: WebhookTarget) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) {
        chunks.push(chunk as Buffer);
        if (chunks.length > 64) break;
      }
      let body: unknown = {};
      try {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        body = null;
      }
      const parsed = placeCallBody.safeParse(body);
      if (!parsed.success) return reply(res, 400, { error: { message: 'expected {"api"?: "realtime" | "live", "from"?: "<number>", "to"?: "<number>"}', type: 'invalid_request_error' } });
      try {
        const placed = await placeCall(calls, target, parsed.data);
        reply(res, 201, { call_id: placed.call.id, webhook_status: placed.delivery.status });
      } catch (err) {
        reply(res, 502, { error: { message: `the webhook could not be delivered: ${(err as Error).message}`, type: 'server_error' } });
      }
    })();
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
