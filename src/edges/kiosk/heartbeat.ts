import type { WebSocket } from '@fastify/websocket';

/**
 * WebSocket pings on an interval. A peer that has not answered one ping by the next is dead, or has
 * stopped reading (the ping waits behind everything queued for it): `onDead` runs once and the
 * pings stop. The pings also keep load balancers' idle timers from cutting a quiet push-to-talk
 * device. Returns a function that stops the heartbeat.
 */
export function startHeartbeat(socket: WebSocket, intervalMs: number, onDead: () => void): () => void {
  let answered = true;
  const onPong = (): void => { answered = true; };
  const stop = (): void => {
    clearInterval(timer);
    socket.off('pong', onPong);
  };
  socket.on('pong', onPong);
  const timer = setInterval(() => {
    if (!answered) {
      stop();
      onDead();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return stop;
}
