import type WebSocket from 'ws';

/**
 * A backend connection can die without a close: a NAT or load balancer that forgets it, a host
 * that vanished. Nothing would ever tell the session; the backend's silence does. Pings `ws` every
 * `pingMs` once it is open; one that has sent nothing (no message, no pong) since the last ping is
 * terminated (1006), so whoever owns it sees a drop and reconnects.
 */
export function watchLiveness(ws: WebSocket, pingMs: number): void {
  let heard = true;
  const hear = () => {
    heard = true;
  };
  ws.on('pong', hear);
  ws.on('message', hear);
  const timer = setInterval(() => {
    if (!heard) {
      ws.terminate();
      return;
    }
    heard = false;
    ws.ping();
  }, pingMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}
