import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { bearerToken, sameKey } from '../handshake.ts';
import { LiveConnection, type LiveConnectionInit } from './connection.ts';
import { liveError } from './errors.ts';
import { newLiveEventId } from './ids.ts';
import type { SipCall } from '../sip/calls.ts';

/** The primary GPT-Live WebSocket: no query parameters, the model goes in `session.start` (§1.1). */
export const LIVE_PATH = '/v1/live/sessions';

/**
 * A `/v1/live/sessions` upgrade: the key is checked after the 101, as on the Realtime path (an
 * `error`, then a close), and the session waits for its `session.start`.
 */
export function acceptLive(ws: WebSocket, req: IncomingMessage, apiKey: string | undefined, init: LiveConnectionInit): LiveConnection | undefined {
  const key = bearerToken(req.headers.authorization);
  if (key === undefined || (apiKey !== undefined && !sameKey(key, apiKey))) {
    const error = key === undefined
      ? liveError('missing_api_key', 'You did not provide an API key: send it as "Authorization: Bearer <key>".', undefined, 'invalid_request_error')
      : liveError('invalid_api_key', 'Incorrect API key provided.', undefined, 'invalid_request_error');
    refuse(ws, error, 3000);
    return undefined;
  }
  return new LiveConnection(ws, init);
}

/** The sideband of a SIP call's Live session (§1.3); `graceful_close` is accepted (every close here is a close handshake). */
export const LIVE_ATTACH_PATH = /^\/v1\/live\/sessions\/([^/]+)\/attach$/;

/**
 * `/v1/live/sessions/{id}/attach`: the key as on the primary socket, then the call: only an
 * accepted GPT-Live call can be attached to; anything else gets an `error` and close 4000 [E].
 */
export function attachLive(ws: WebSocket, req: IncomingMessage, apiKey: string | undefined, call: SipCall | undefined, sessionId: string, init: LiveConnectionInit): LiveConnection | undefined {
  const key = bearerToken(req.headers.authorization);
  // A missing or wrong key is refused as on the primary socket.
  if (key === undefined || (apiKey !== undefined && !sameKey(key, apiKey))) return acceptLive(ws, req, apiKey, init);
  if (!call || call.api !== 'live') {
    refuse(ws, liveError('session_not_found', `No Live session found with id '${sessionId}'.`, 'session_id'), 4000);
    return undefined;
  }
  if (call.state !== 'accepted' || !call.liveSession) {
    refuse(ws, liveError('call_not_active', `Session '${sessionId}' is ${call.state}; only an accepted call can be attached to.`, 'session_id'), 4000);
    return undefined;
  }
  return new LiveConnection(ws, { ...init, call });
}

function refuse(ws: WebSocket, error: ReturnType<typeof liveError>, code: number): void {
  ws.send(JSON.stringify({ type: 'error', event_id: newLiveEventId(), error }));
  ws.close(code, `invalid_request_error.${error.code}`);
}
