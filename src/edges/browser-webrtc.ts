import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import { VgError } from '../errors.ts';
import type { SessionHandle, StartSession } from '../session/starter.ts';
import { errorEvent, replyError } from './errors.ts';
import { startFailure } from './start-failure.ts';
import { bearerToken } from './bearer.ts';
import { safeEqual } from './safe-equal.ts';
import { offerRefusal, type OfferAccessOptions } from './webrtc/access.ts';
import type { WebrtcNetwork } from './webrtc/network.ts';
import { PendingOffers } from './webrtc/pending-offers.ts';
import { MAX_SDP_BYTES, offerProblem } from './webrtc/signalling.ts';
import { OfferRejected, WebrtcEdge } from './webrtc/webrtc-edge.ts';
import type { SessionRateLimit } from './edge.ts';
import { sessionRateLimit } from './rate-limit.ts';

/** Who may offer a call: open without `tokens` and `sessionTokenSecret` (see webrtc/access.ts). */
export interface WebrtcEdgeOptions extends OfferAccessOptions {
  startSession: StartSession;
  /** Longest wait for the server's ICE candidates before answering; default 2000. */
  iceGatherTimeoutMs?: number;
  /** Concurrent browser sessions (answered or being answered); more get 503. Default 100. */
  maxSessions?: number;
  /** Why the gateway would refuse one more session (on any edge: full, draining); an offer then gets its coded 503. */
  refusal?: () => VgError | undefined;
  /** A call not established (peer connected, events channel open) this long after the answer is dropped; default 15000. */
  connectTimeoutMs?: number;
  /** Answered calls not yet established that one client address may hold; more get 429. Default 8. */
  maxPendingPerAddress?: number;
  /** The peers' ICE servers, ports and addresses (webrtc/network.ts); by default no ICE servers, any port, every address. */
  network?: WebrtcNetwork;
  /** Sessions per client address; needs @fastify/rate-limit registered on the app. */
  rateLimit?: SessionRateLimit;
}

const SDP_TYPE = 'application/sdp';
/** The 201's header with the call's own secret: DELETE must present it, so only the caller hangs up. */
const CALL_KEY_HEADER = 'Vg-Call-Key';

/** One answered offer. Its session opens only once the call is established. */
interface BrowserCall {
  readonly edge: WebrtcEdge;
  /** Proves a DELETE comes from whoever got the answer. */
  readonly key: string;
  /** Settles once the session is open, has failed, or will never open (the edge closed first). */
  opening?: Promise<void>;
  handle?: SessionHandle;
  /** Why the edge closed, once it has. */
  closedWith?: string;
  /** The session's end, once the edge has closed. */
  ending?: Promise<void>;
}

/**
 * The browser edge, WHIP style: `POST /v1/webrtc` with an SDP offer answers 201 with the SDP
 * answer, `Location: /v1/webrtc/<call id>` and the call's key; `DELETE` on that location with
 * `Authorization: Bearer <key>` ends the call. The offer itself may need a bearer token (access.ts).
 * The backend session opens when the peer connects, not when it offers: an offer that never
 * connects costs a peer for `connectTimeoutMs`, never a backend connection. A session that then
 * fails to start is reported on the events channel (`error`, then `session.ended`).
 * Not wrapped in fastify-plugin on purpose: the SDP body parser stays inside this plugin.
 */
export const webrtcEdge: FastifyPluginAsync<WebrtcEdgeOptions> = async (app, opts) => {
  const iceGatherTimeoutMs = positiveInt('iceGatherTimeoutMs', opts.iceGatherTimeoutMs ?? 2_000);
  const maxSessions = positiveInt('maxSessions', opts.maxSessions ?? 100);
  const connectTimeoutMs = positiveInt('connectTimeoutMs', opts.connectTimeoutMs ?? 15_000);
  const maxPending = positiveInt('maxPendingPerAddress', opts.maxPendingPerAddress ?? 8);
  const pending = new PendingOffers(maxPending);
  const network = opts.network ?? { iceServers: [] };
  const gatewayRefusal = opts.refusal ?? (() => undefined);
  const refusal = offerRefusal(opts);
  const log = app.log.child({ edge: 'webrtc' });
  /** Every live edge, including those still being answered: this is what maxSessions counts. */
  const edges = new Set<WebrtcEdge>();
  const calls = new Map<string, BrowserCall>();
  const endings = new Set<Promise<void>>();
  const openings = new Set<Promise<void>>();

  const endSession = (handle: SessionHandle, reason: string): Promise<void> => {
    const ending = handle
      .end(reason)
      .catch((err: unknown) => log.warn({ err, session_id: handle.id }, 'session end failed'))
      .finally(() => endings.delete(ending));
    endings.add(ending);
    return ending;
  };

  const openSession = async (call: BrowserCall, requestLog: FastifyBaseLogger): Promise<void> => {
    if (!(await call.edge.established())) return;
    let handle: SessionHandle;
    try {
      handle = await opts.startSession(call.edge, { log: requestLog });
    } catch (err) {
      // Another edge may have taken the last place since the offer was answered.
      const failure = startFailure(err);
      requestLog.warn({ err, reason: failure.reason }, 'session failed to start');
      call.edge.send(errorEvent(failure.error));
      call.edge.close(failure.reason);
      return;
    }
    if (call.closedWith !== undefined) {
      call.ending = endSession(handle, call.closedWith);
      return;
    }
    call.edge.bindSession(handle.id);
    call.handle = handle;
  };

  /** Why one more call would be refused now, if it would. */
  const sessionLimit = (): VgError | undefined => {
    if (edges.size >= maxSessions) return new VgError('VG_ERR_SESSION_LIMIT', `${maxSessions} browser calls are live`);
    return gatewayRefusal();
  };

  app.addContentTypeParser(SDP_TYPE, { parseAs: 'string', bodyLimit: MAX_SDP_BYTES }, (_request, body, done) => {
    done(null, body);
  });

  app.post<{ Body: string | undefined }>(
    '/v1/webrtc',
    {
      bodyLimit: MAX_SDP_BYTES,
      config: sessionRateLimit(opts.rateLimit),
      // Rejected before the body is read.
      onRequest: async (request, reply) => {
        const refused = refusal(bearerToken(request.headers.authorization));
        if (refused) {
          request.log.info({ refused }, 'browser offer refused: no valid access token');
          return unauthorized(reply, refused);
        }
        const given = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
        if (given !== SDP_TYPE) {
          return replyError(reply, 'VG_ERR_UNSUPPORTED_MEDIA_TYPE', `send the offer with Content-Type: ${SDP_TYPE} (got ${given ?? 'none'})`);
        }
        const full = sessionLimit();
        if (full) return replyError(reply, full);
      },
    },
    async (request, reply) => {
      const offer = typeof request.body === 'string' ? request.body : '';
      const problem = offerProblem(offer);
      if (problem) return replyError(reply, 'VG_ERR_BAD_SDP', problem);
      const full = sessionLimit();
      if (full) return replyError(reply, full);

      // Taken before any await, so concurrent offers cannot all slip under the bound.
      const release = pending.take(request.ip);
      if (!release) return replyError(reply, 'VG_ERR_RATE_LIMITED', `${maxPending} calls from this address are still connecting`);
      const id = `wr_${randomBytes(12).toString('base64url')}`;
      let edge: WebrtcEdge;
      try {
        edge = await WebrtcEdge.create({ log: log.child({ call_id: id }), connectTimeoutMs, network });
      } catch (err) {
        release();
        throw err;
      }
      // Established or closed, whichever comes first, it no longer waits to connect.
      void edge.established().then(release);
      edges.add(edge);
      edge.once('close', () => edges.delete(edge));

      let answer: string;
      try {
        answer = await edge.answer(offer, iceGatherTimeoutMs);
      } catch (err) {
        edge.close('offer_failed');
        if (err instanceof OfferRejected) return replyError(reply, 'VG_ERR_BAD_SDP', err.message);
        throw err;
      }

      const call: BrowserCall = { edge, key: randomBytes(32).toString('base64url') };
      calls.set(id, call);
      edge.once('close', (reason) => {
        calls.delete(id);
        call.closedWith = reason;
        if (call.handle) call.ending = endSession(call.handle, reason);
      });
      const opening = openSession(call, request.log).finally(() => openings.delete(opening));
      openings.add(opening);
      call.opening = opening;

      return reply
        .code(201)
        .header('Location', `${request.routeOptions.url}/${id}`)
        .header(CALL_KEY_HEADER, call.key)
        .header('Cache-Control', 'no-store')
        .type(SDP_TYPE)
        .send(answer);
    },
  );

  app.delete<{ Params: { id: string } }>('/v1/webrtc/:id', async (request, reply) => {
    const call = calls.get(request.params.id);
    if (!call) return replyError(reply, 'VG_ERR_SESSION_NOT_FOUND', `no browser call ${request.params.id}`);
    const key = bearerToken(request.headers.authorization);
    if (!key || !safeEqual(call.key, key)) {
      return unauthorized(reply, `DELETE needs Authorization: Bearer <the ${CALL_KEY_HEADER} of the POST answer>`);
    }
    call.edge.close('hangup');
    // Answered once the session is over, even one that was still opening.
    await call.opening;
    await call.ending;
    return reply.code(204).send();
  });

  app.addHook('onClose', async () => {
    for (const edge of edges) edge.close('server_shutdown');
    await Promise.all(openings);
    await Promise.all(endings);
  });
};

function unauthorized(reply: FastifyReply, detail: string): FastifyReply {
  return replyError(reply.header('WWW-Authenticate', 'Bearer realm="voice-gateway"'), 'VG_ERR_UNAUTHORIZED', detail);
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new VgError('VG_ERR_CONFIG', `webrtcEdge option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
