import type { FastifyReply } from 'fastify';
import { VgError, type ErrorCode } from '../errors.ts';
import type { ClientEvent } from './edge.ts';

/** How every edge tells a client about a catalogue error: the same `{ code, message }` on HTTP and on a socket. */

/** An HTTP answer: `{ error: { code, message } }` with the code's status. */
export function replyError(reply: FastifyReply, error: VgError): FastifyReply;
export function replyError(reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply;
export function replyError(reply: FastifyReply, codeOrError: ErrorCode | VgError, detail?: string): FastifyReply {
  const error = codeOrError instanceof VgError ? codeOrError : new VgError(codeOrError, detail);
  return reply
    .code(error.httpStatus ?? 500)
    .type('application/json; charset=utf-8')
    .send({ error: { code: error.code, message: error.message } });
}

/** The `error` event sent to a connected client. */
export function errorEvent(error: VgError): ClientEvent {
  return { type: 'error', code: error.code, message: error.message };
}

/** The `session.ended` reason of a session that could not start. */
export function startFailureReason(error: unknown): string {
  if (!(error instanceof VgError)) return 'backend_unavailable';
  if (error.code === 'VG_ERR_SESSION_LIMIT') return 'session_limit';
  if (error.code === 'VG_ERR_DRAINING') return 'server_shutdown';
  return 'backend_unavailable';
}
