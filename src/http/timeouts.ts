import type { ServerOptions } from 'node:http';

/**
 * A bound on how long a client may take to send a request, headers and body, so slow or stalled
 * uploads cannot hold connections open. It stops counting once the request is in: a slow handler
 * and an upgraded WebSocket are not affected. Node checks it on an interval (30 s by default,
 * which would let a connection outlive a short bound by that much): here at least every second.
 */
export function requestTimeoutOptions(requestTimeoutMs: number): { requestTimeout: number; http: ServerOptions } {
  return {
    requestTimeout: requestTimeoutMs,
    // Given to Node's constructor too, which checks its headersTimeout (60 s) against it.
    http: { requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs) },
  };
}
