import { VgError } from '../errors.ts';

/** How an edge tells its client that its session could not start. */
export interface StartFailure {
  /** What the client is told: the catalogue message only, never the backend's own words. */
  readonly error: VgError;
  /** The `session.ended` reason. */
  readonly reason: 'session_limit' | 'server_shutdown' | 'backend_unavailable' | 'call_ended';
}

/** Classifies a rejection of `startSession`: the gateway being full or draining is not the backend being down. */
export function startFailure(err: unknown): StartFailure {
  if (err instanceof VgError && err.code === 'VG_ERR_SESSION_LIMIT') {
    return { error: new VgError('VG_ERR_SESSION_LIMIT', 'the gateway is at its session limit; try again shortly'), reason: 'session_limit' };
  }
  if (err instanceof VgError && err.code === 'VG_ERR_DRAINING') return { error: err, reason: 'server_shutdown' };
  // The caller hung up while the call rang: nothing failed.
  if (err instanceof VgError && err.code === 'VG_ERR_CALL_GONE') return { error: err, reason: 'call_ended' };
  return { error: new VgError('VG_ERR_BACKEND', 'the voice backend could not be reached'), reason: 'backend_unavailable' };
}
