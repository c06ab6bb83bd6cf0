import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StateGraph } from '../edges/edge.ts';
import { bearerToken } from '../edges/bearer.ts';
import { safeEqual } from '../edges/safe-equal.ts';
import { VgError } from '../errors.ts';
import { encodeCursor, parseListQuery, parseSessionId } from './query-params.ts';
import type { RecordStore } from './types.ts';

export interface AdminApiOptions {
  store: RecordStore;
  adminToken: string;
  /** The state graph of an agent, to draw a call's path on; undefined for an agent no longer loaded. */
  graph: (agent: string) => StateGraph | undefined;
}

/**
 * The only way out for call records (they hold transcripts, tool arguments, phone numbers):
 * `GET /v1/sessions` and `GET /v1/sessions/:id`, each behind `Authorization: Bearer <ADMIN_TOKEN>`,
 * never cached. The token is never read from the URL (URLs end up in logs and histories).
 */
export function registerAdminApi(app: FastifyInstance, opts: AdminApiOptions): void {
  const { store } = opts;
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const token = bearerToken(req.headers.authorization);
    if (token === undefined || !safeEqual(token, opts.adminToken)) {
      reply.header('www-authenticate', 'Bearer realm="voice-gateway admin"');
      return fail(reply, new VgError('VG_ERR_UNAUTHORIZED', 'the admin API needs Authorization: Bearer <ADMIN_TOKEN>'));
    }
    return undefined;
  };

  app.get('/v1/sessions', { onRequest: guard }, async (req, reply) => {
    let query;
    try {
      query = parseListQuery(req.query);
    } catch (err) {
      return fail(reply, err as VgError);
    }
    const page = await read(req, () => store.listSessions(query));
    if (page instanceof VgError) return fail(reply, page);
    const last = page.sessions.at(-1);
    return { sessions: page.sessions, next_cursor: page.more && last ? encodeCursor(Date.parse(last.started_at), last.id) : null };
  });

  app.get<{ Params: { id: string } }>('/v1/sessions/:id', { onRequest: guard }, async (req, reply) => {
    let id;
    try {
      id = parseSessionId(req.params.id);
    } catch (err) {
      return fail(reply, err as VgError);
    }
    const record = await read(req, () => store.getSession(id));
    if (record instanceof VgError) return fail(reply, record);
    if (!record) return fail(reply, new VgError('VG_ERR_SESSION_NOT_FOUND', `no record of session ${id}`));
    const graphs: Record<string, StateGraph> = {};
    for (const agent of record.agents) {
      const graph = opts.graph(agent);
      if (graph) graphs[agent] = graph;
    }
    return { ...record, graphs };
  });
}

/** A store that fails to answer (down, or a row that does not check) is a 503, logged with its cause. */
async function read<T>(req: FastifyRequest, query: () => Promise<T>): Promise<T | VgError> {
  try {
    return await query();
  } catch (err) {
    req.log.error({ err }, 'call records could not be read');
    return new VgError('VG_ERR_RECORDS_UNAVAILABLE', 'the records database did not answer; see the gateway log');
  }
}

function fail(reply: FastifyReply, err: VgError): FastifyReply {
  return reply.code(err.httpStatus ?? 500).send({ error: { code: err.code, message: err.message } });
}
