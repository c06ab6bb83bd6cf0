import type { FastifyReply } from 'fastify';
import { VgError, type ErrorCode } from '../../errors.ts';

/** Answers with a catalogue error, in the kiosk edge's shape: `{ error: { code, message } }`. */
export function replyError(reply: FastifyReply, error: VgError): FastifyReply;
export function replyError(reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply;
export function replyError(reply: FastifyReply, codeOrError: ErrorCode | VgError, detail?: string): FastifyReply {
  const error = codeOrError instanceof VgError ? codeOrError : new VgError(codeOrError, detail);
  return reply
    .code(error.httpStatus ?? 500)
    .type('application/json; charset=utf-8')
    .send({ error: { code: error.code, message: error.message } });
}
