import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { bearerToken, sameKey } from '../handshake.ts';
import { LiveConnection, type LiveConnectionInit } from './connection.ts';
import { liveError } from './errors.ts';
import { newLiveEventId } from './ids.ts';

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
    ws.send(JSON.stringify({ type: 'error', event_id: newLiveEventId(), error }));
    ws.close(3000, `invalid_request_error.${error.code}`);
    return undefined;
  }
  return new LiveConnection(ws, init);
}
