import type { FastifyPluginAsync } from 'fastify';
import OpenAI from 'openai';
import type { BackendTarget } from '../session/backend-link.ts';
import type { StartSession } from '../session/starter.ts';
import { sidebandTarget } from '../backends/sideband.ts';
import { VgError } from '../errors.ts';
import { replyError } from './errors.ts';
import { startFailure } from './start-failure.ts';
import { callerFromSipHeaders } from './sip/sip-headers.ts';
import type { Fleet } from '../fleet/fleet.ts';
import { LocalFleet } from '../fleet/local-fleet.ts';
import { SipEdge, type CallControl } from './sip/sip-edge.ts';
import { liveSidebandTarget } from '../session/live/live-link.ts';
import { checkDelivery, type IncomingCall } from './sip/webhook.ts';

export interface SipEdgeOptions {
  startSession: StartSession;
  /** Why another session would be refused now (the call is then rejected), or undefined. */
  refusal: () => VgError | undefined;
  /** OPENAI_WEBHOOK_SECRET: it signs OpenAI's webhooks. */
  webhookSecret: string;
  /** The backend (Realtime or GPT-Live, by its `api`): its key drives the call control, its URL the sideband connection. */
  backend: BackendTarget;
  /** OpenAI's REST API (OPENAI_BASE_URL), or an emulator's. */
  restBaseUrl: string;
  /** The replicas: a webhook is acted on once in the whole fleet; a dead replica's calls are hung up by a survivor. */
  fleet?: Fleet;
}

export const WEBHOOK_PATH = '/openai/webhook';
/** A webhook id is remembered this long: OpenAI retries a delivery for hours at most. */
const WEBHOOK_MEMORY_MS = 24 * 3600_000;
/** A webhook event is a few KB; a SIP INVITE's headers, at most a few dozen. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;

/**
 * The SIP edge (OpenAI SIP calls): OpenAI posts a signed `realtime.call.incoming` (or, with
 * VOICE_API=live, `live.transport.incoming`) to `POST /openai/webhook`; the gateway answers at
 * once and, in the background, accepts the call with the start agent's session (or rejects it
 * when it is full or draining), then attaches a sideband WebSocket (`?call_id=`, or GPT-Live's
 * `/v1/live/sessions/{id}/attach`) on which the session runs the states, tools and handoffs.
 * Not wrapped in fastify-plugin on purpose: the raw-body JSON parser stays inside this plugin.
 */
export const sipEdge: FastifyPluginAsync<SipEdgeOptions> = async (app, opts) => {
  // The signature covers the body byte for byte: keep it as the string that came.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
  const client = new OpenAI({ apiKey: opts.backend.apiKey, baseURL: opts.restBaseUrl, webhookSecret: opts.webhookSecret, maxRetries: 2, timeout: 10_000 });
  const fleet = opts.fleet ?? new LocalFleet();
  const api = opts.backend.api ?? 'realtime';
  const control: CallControl = api === 'live' ? { api, sessions: client.live.sessions } : { api, calls: client.realtime.calls };
  // A call whose replica died would go on at OpenAI with nobody running its tools: end it.
  fleet.onLost('sip', async (callId) => {
    await (control.api === 'live' ? control.sessions.hangup(callId) : control.calls.hangup(callId));
    app.log.warn({ call_id: callId }, 'SIP call of a lost replica hung up');
  });

  app.post(WEBHOOK_PATH, async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const delivery = await checkDelivery(client, opts.webhookSecret, raw, req.headers, api);
    if (!delivery.ok) {
      req.log.warn({ code: delivery.error.code, detail: delivery.error.message }, 'OpenAI webhook refused');
      return replyError(reply, delivery.error);
    }
    let first: boolean;
    try {
      first = await fleet.firstTime(`webhook:${delivery.webhookId}`, WEBHOOK_MEMORY_MS);
    } catch (err) {
      // Unknown whether another replica took it: a 503 makes OpenAI deliver it again later.
      req.log.warn({ err, webhook_id: delivery.webhookId }, 'OpenAI webhook: de-duplication unavailable');
      return replyError(reply, new VgError('VG_ERR_FLEET_UNAVAILABLE', 'the webhook could not be checked against the other replicas; retry'));
    }
    if (!first) {
      req.log.info({ webhook_id: delivery.webhookId }, 'OpenAI webhook retried: already handled');
    } else if ('ignored' in delivery) {
      req.log.info({ type: delivery.ignored }, 'OpenAI webhook event not handled here: acknowledged');
    } else {
      // Answered at once: OpenAI waits for the reply, and the accept can take a while.
      setImmediate(() => answer(delivery.call));
    }
    return reply.code(200).send({ received: true });
  });

  function answer(call: IncomingCall): void {
    const { callId } = call;
    const log = app.log.child({ call_id: callId });
    const edge = new SipEdge({ callId, caller: callerFromSipHeaders(call.sipHeaders), calls: control, log });
    fleet.own(callId, { kind: 'sip' });
    edge.once('close', () => fleet.disown(callId));
    const refusal = opts.refusal();
    if (refusal) {
      log.warn({ code: refusal.code }, 'SIP call rejected');
      edge.close(startFailure(refusal).reason);
      return;
    }
    const backend = api === 'live' ? liveSidebandTarget(opts.backend, callId) : sidebandTarget(opts.backend, callId);
    opts.startSession(edge, { log, backend }).catch((err: unknown) => {
      const failure = startFailure(err);
      if (failure.reason === 'call_ended') log.info('SIP call ended by the caller before it was answered');
      else log.error({ err }, 'SIP session could not start');
      edge.close(failure.reason);
    });
  }
};
