import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { TRANSFER_URI } from '../engine/agent.ts';
import type { Fleet } from '../fleet/fleet.ts';
import formbody from '@fastify/formbody';
import type { StartSession } from '../session/starter.ts';
import { replyError } from './errors.ts';
import { startFailure } from './start-failure.ts';
import { TwilioSignatures } from './twilio/signature.ts';
import { StreamTokens, TOKEN_TTL_MS, type TokenCheck } from './twilio/stream-token.ts';
import { TwilioEdge } from './twilio/twilio-edge.ts';
import { afterStreamTwiml, busyTwiml, streamTwiml, type StreamEnding } from './twilio/twiml.ts';

export interface TwilioEdgeOptions {
  startSession: StartSession;
  /** Whether another session would be accepted; a call that would not is answered "busy". */
  hasRoom: () => boolean;
  /** Twilio's auth token: it signs the webhook and the stream's upgrade. */
  authToken: string;
  /** The origin Twilio calls the gateway on (PUBLIC_URL). */
  publicUrl: string;
  /** Where the replicas remember which stream tokens were used. */
  fleet: Fleet;
}

const MEDIA_PATH = '/twilio/media';
/** How long the fleet remembers a used token: past its life, with room for replicas' clocks to differ. */
const TOKEN_MEMORY_MS = 5 * TOKEN_TTL_MS;
const AFTER_PATH = '/twilio/after';
/** Session ends after which the call simply hangs up; after any other (or none known) the caller hears the apology. */
const FINISHED = new Set(['agent_hangup', 'hangup', 'call_ended', 'max_duration']);
/** How long a stream's end is remembered: Twilio asks at once. */
const ENDING_MEMORY_MS = 5 * 60_000;
/** Twilio's voice webhook is a form of a few dozen short fields. */
const WEBHOOK_BODY_LIMIT = 64 * 1024;

/**
 * The phone edge, Twilio Media Streams: `POST /twilio/voice` answers a call with TwiML that opens
 * a bidirectional stream to `GET /twilio/media`, where the call becomes a session; once the
 * gateway closes the stream Twilio asks `POST /twilio/after` what the caller hears next. Every
 * route checks `X-Twilio-Signature` before anything else happens. No per-address rate limit: every call
 * comes from Twilio's own addresses, and the signature already keeps everyone else out.
 * Not wrapped in fastify-plugin on purpose: the form body parser stays inside this plugin.
 */
export const twilioEdge: FastifyPluginAsync<TwilioEdgeOptions> = async (app, opts) => {
  await app.register(formbody, { bodyLimit: WEBHOOK_BODY_LIMIT });
  const signatures = new TwilioSignatures(opts.authToken, opts.publicUrl);
  const tokens = new StreamTokens(opts.authToken);
  const streamUrl = signatures.streamUrl(MEDIA_PATH);
  const afterUrl = new URL(AFTER_PATH, opts.publicUrl).toString();

  /** A token this replica took for the first time: good for one stream, on whichever replica a replay reaches. */
  async function firstInFleet(callSid: string, log: FastifyBaseLogger): Promise<TokenCheck> {
    try {
      return (await opts.fleet.firstTime(`twilio-stream:${callSid}`, TOKEN_MEMORY_MS)) ? { ok: true } : { ok: false, reason: 'stream token already used' };
    } catch (err) {
      // A live call is not dropped for a Redis that is away: its token is this call's, fresh, and new to this replica.
      log.warn({ err: { message: (err as Error).message } }, 'Twilio stream token: checked on this replica only, the fleet is unavailable');
      return { ok: true };
    }
  }

  /** A signed Twilio form POST's CallSid; undefined once the refusal has been sent. */
  async function signedCall(req: FastifyRequest, reply: FastifyReply): Promise<{ callSid: string; params: Record<string, string | string[]> } | undefined> {
    const params = formParams(req.body);
    if (!params || !signatures.webhookIsSigned(signature(req), req.url, params)) {
      req.log.warn({ path: req.routeOptions.url }, 'Twilio webhook refused: missing or invalid signature');
      await replyError(reply, 'VG_ERR_BAD_SIGNATURE', 'X-Twilio-Signature does not match this request');
      return undefined;
    }
    const callSid = first(params.CallSid);
    if (!callSid) {
      await replyError(reply, 'VG_ERR_BAD_REQUEST', `${req.routeOptions.url} has no CallSid`);
      return undefined;
    }
    reply.type('text/xml; charset=utf-8');
    return { callSid, params };
  }

  app.post('/twilio/voice', async (req, reply) => {
    const signed = await signedCall(req, reply);
    if (!signed) return reply;
    const { callSid, params } = signed;
    if (!opts.hasRoom()) {
      req.log.warn('phone call answered busy: the session limit is reached');
      return busyTwiml();
    }
    const call = { callSid, from: first(params.From) ?? '', to: first(params.To) ?? '' };
    return streamTwiml(streamUrl, afterUrl, { CallSid: call.callSid, From: call.from, To: call.to, token: tokens.mint(call) });
  });

  // Twilio's `<Connect action>`: the stream has ended (on whichever replica ran it).
  app.post(AFTER_PATH, async (req, reply) => {
    const signed = await signedCall(req, reply);
    if (!signed) return reply;
    const noted = parseNotedEnd(await opts.fleet.readNote(endingKey(signed.callSid)).catch((err: unknown) => {
      req.log.warn({ err: { message: (err as Error).message } }, 'Twilio stream over: how it ended could not be read from the fleet');
      return undefined;
    }));
    const ending = streamEnding(noted);
    req.log.info({ call_sid: signed.callSid, reason: noted?.reason ?? 'unknown', ending: ending.kind }, 'Twilio stream over');
    return afterStreamTwiml(ending);
  });

  app.get(MEDIA_PATH, {
    websocket: true,
    // Refused before the upgrade: an unsigned client never gets a socket.
    preValidation: async (req, reply) => {
      if (signatures.upgradeIsSigned(signature(req), req.url)) return;
      req.log.warn({ path: MEDIA_PATH }, 'Twilio stream refused: missing or invalid signature');
      await replyError(reply, 'VG_ERR_BAD_SIGNATURE', 'X-Twilio-Signature does not match the stream URL');
    },
  }, (socket, req) => {
    const edge: TwilioEdge = new TwilioEdge(socket, {
      log: req.log,
      verifyStart: async ({ start }) => {
        const check = tokens.redeem(start.customParameters.token, {
          callSid: start.callSid, from: start.customParameters.From ?? '', to: start.customParameters.To ?? '',
        });
        return check.ok ? firstInFleet(start.callSid, req.log) : check;
      },
      onStart: () => {
        opts.startSession(edge, { log: req.log }).catch((err: unknown) => {
          req.log.error({ err }, 'phone session could not start');
          edge.close(startFailure(err).reason);
        });
      },
    });
    // Noted before the socket's close reaches Twilio, which then asks AFTER_PATH how it ended.
    edge.on('close', (reason) => {
      const noted: NotedEnd = { reason, ...(edge.transferTarget === undefined ? {} : { transferTo: edge.transferTarget }) };
      if (edge.callSid) opts.fleet.note(endingKey(edge.callSid), JSON.stringify(noted), ENDING_MEMORY_MS);
    });
  });
};

/** How a stream ended, as the fleet keeps it for Twilio's question after it. */
interface NotedEnd {
  reason: string;
  transferTo?: string;
}

function endingKey(callSid: string): string {
  return `twilio-end:${callSid}`;
}

/** A note this gateway wrote; anything else (none, or another version's) reads as unknown. */
function parseNotedEnd(note: string | undefined): NotedEnd | undefined {
  if (note === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(note);
    const { reason, transferTo } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof reason !== 'string' || (transferTo !== undefined && (typeof transferTo !== 'string' || !TRANSFER_URI.test(transferTo)))) return undefined;
    return { reason, ...(transferTo === undefined ? {} : { transferTo }) };
  } catch {
    return undefined;
  }
}

/** An unknown end is taken for a failure: the caller hears the apology rather than silence. */
function streamEnding(noted: NotedEnd | undefined): StreamEnding {
  if (noted === undefined) return { kind: 'failed' };
  if (noted.reason === 'transferred' && noted.transferTo !== undefined) return { kind: 'transferred', to: noted.transferTo };
  return FINISHED.has(noted.reason) ? { kind: 'finished' } : { kind: 'failed' };
}

function signature(req: FastifyRequest): string | undefined {
  const value = req.headers['x-twilio-signature'];
  return typeof value === 'string' ? value : undefined;
}

/** The parsed form, if it is one: field names to one value or, repeated, several. */
function formParams(body: unknown): Record<string, string | string[]> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const entries = Object.entries(body);
  const isForm = entries.every(([, v]) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
  return isForm ? Object.fromEntries(entries) as Record<string, string | string[]> : undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}
