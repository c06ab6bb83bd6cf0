import type { FastifyPluginAsync } from 'fastify';
import { VgError } from '../errors.ts';
import type { SessionHandle, StartSession } from '../session/starter.ts';
import { replyError } from './errors.ts';
import { MAX_SDP_BYTES, offerProblem } from './webrtc/signalling.ts';
import { OfferRejected, WebrtcEdge } from './webrtc/webrtc-edge.ts';
import type { SessionRateLimit } from './edge.ts';
import { sessionRateLimit } from './rate-limit.ts';

export interface WebrtcEdgeOptions {
  startSession: StartSession;
  /** Longest wait for the server's ICE candidates before answering; default 2000. */
  iceGatherTimeoutMs?: number;
  /** Concurrent browser sessions (answered or being answered); more get 503. Default 100. */
  maxSessions?: number;
  /** A peer not connected this long after the answer is dropped; default 15000. */
  connectTimeoutMs?: number;
  /** STUN/TURN servers for the server's peer; none is needed when browsers reach the gateway directly. */
  iceServers?: RTCIceServer[];
  /** Sessions per client address; needs @fastify/rate-limit registered on the app. */
  rateLimit?: SessionRateLimit;
}

const SDP_TYPE = 'application/sdp';

/**
 * The browser edge, WHIP style: `POST /v1/webrtc` with an SDP offer answers 201 with the SDP
 * answer and `Location: /v1/webrtc/<session id>`; `DELETE` on that location ends the call.
 * Not wrapped in fastify-plugin on purpose: the SDP body parser stays inside this plugin.
 */
export const webrtcEdge: FastifyPluginAsync<WebrtcEdgeOptions> = async (app, opts) => {
  const iceGatherTimeoutMs = positiveInt('iceGatherTimeoutMs', opts.iceGatherTimeoutMs ?? 2_000);
  const maxSessions = positiveInt('maxSessions', opts.maxSessions ?? 100);
  const connectTimeoutMs = positiveInt('connectTimeoutMs', opts.connectTimeoutMs ?? 15_000);
  const iceServers = opts.iceServers ?? [];
  const log = app.log.child({ edge: 'webrtc' });
  /** Every live edge, including those still being answered: this is what maxSessions counts. */
  const edges = new Set<WebrtcEdge>();
  const sessions = new Map<string, { edge: WebrtcEdge; handle: SessionHandle }>();
  const endings = new Set<Promise<void>>();

  const endSession = (handle: SessionHandle, reason: string): Promise<void> => {
    const ending = handle
      .end(reason)
      .catch((err: unknown) => log.warn({ err, session_id: handle.id }, 'session end failed'))
      .finally(() => endings.delete(ending));
    endings.add(ending);
    return ending;
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
        const given = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
        if (given !== SDP_TYPE) {
          return replyError(reply, 'VG_ERR_UNSUPPORTED_MEDIA_TYPE', `send the offer with Content-Type: ${SDP_TYPE} (got ${given ?? 'none'})`);
        }
        if (edges.size >= maxSessions) {
          return replyError(reply, 'VG_ERR_SESSION_LIMIT', `${maxSessions} browser sessions are live`);
        }
      },
    },
    async (request, reply) => {
      const offer = typeof request.body === 'string' ? request.body : '';
      const problem = offerProblem(offer);
      if (problem) return replyError(reply, 'VG_ERR_BAD_SDP', problem);
      if (edges.size >= maxSessions) return replyError(reply, 'VG_ERR_SESSION_LIMIT', `${maxSessions} browser sessions are live`);

      const edge = await WebrtcEdge.create({ log, connectTimeoutMs, iceServers });
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

      let handle: SessionHandle;
      try {
        handle = await opts.startSession(edge, { log: request.log });
      } catch (err) {
        request.log.warn({ err }, 'session failed to start');
        edge.close('backend_unavailable');
        return replyError(reply, err instanceof VgError ? err : new VgError('VG_ERR_BACKEND', 'the session could not start'));
      }
      if (edge.closed) {
        await endSession(handle, 'peer_closed_early');
        return replyError(reply, 'VG_ERR_BACKEND', 'the peer closed while the session was starting');
      }
      edge.bindSession(handle.id);
      sessions.set(handle.id, { edge, handle });
      edge.once('close', (reason) => {
        sessions.delete(handle.id);
        void endSession(handle, reason);
      });

      return reply
        .code(201)
        .header('Location', `${request.routeOptions.url}/${encodeURIComponent(handle.id)}`)
        .type(SDP_TYPE)
        .send(answer);
    },
  );

  app.delete<{ Params: { id: string } }>('/v1/webrtc/:id', async (request, reply) => {
    const entry = sessions.get(request.params.id);
    if (!entry) return replyError(reply, 'VG_ERR_SESSION_NOT_FOUND', `no browser session ${request.params.id}`);
    entry.edge.close('hangup');
    await endSession(entry.handle, 'hangup');
    return reply.code(204).send();
  });

  app.addHook('onClose', async () => {
    for (const edge of edges) edge.close('server_shutdown');
    await Promise.all(endings);
  });
};

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new VgError('VG_ERR_CONFIG', `webrtcEdge option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
