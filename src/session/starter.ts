import type { FastifyBaseLogger } from 'fastify';
import type { EdgeTransport } from '../edges/edge.ts';
import type { BackendTarget } from './backend-link.ts';

/** A live session as an edge sees it. */
export interface SessionHandle {
  readonly id: string;
  /** Ends the session and frees its backend connection; idempotent. */
  end(reason: string): Promise<void>;
}

/**
 * What every edge plugin receives: binds one connected edge to a new session (backend connection,
 * agent, state engine). Rejects when the backend cannot be reached; the edge then closes itself.
 */
export type StartSession = (edge: EdgeTransport, opts: StartOptions) => Promise<SessionHandle>;

export interface StartOptions {
  log: FastifyBaseLogger;
  /** This session's own backend target (a SIP call's sideband, `?call_id=`), instead of the gateway's. */
  backend?: BackendTarget;
}
