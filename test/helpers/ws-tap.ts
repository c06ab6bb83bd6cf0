import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/** One recorded frame crossing the tap. */
export interface TappedEvent {
  direction: 'client' | 'server';
  /** Which backend connection through the tap carried it, counting from 0. */
  connection: number;
  event: { type: string; [key: string]: unknown };
}

/**
 * A recording relay between a Realtime client (the gateway) and its backend (the emulator), so a
 * test can assert exactly what went over the wire, in order.
 */
export interface WsTap {
  url: string;
  events: TappedEvent[];
  clientEvents(type?: string): TappedEvent['event'][];
  /** Backend connections still open through the tap. */
  openConnections(): number;
  /** Backend connections opened through the tap so far. */
  connectionsOpened(): number;
  /** Cuts every connection through it at once, as a network reset would (the tap keeps listening). */
  dropConnections(): void;
  /**
   * Records, and keeps from the backend, client events matching `predicate`: a backend that never
   * answers them, or (with `reply`) one that answers them with that event instead.
   */
  swallow(predicate: ((event: TappedEvent['event']) => boolean) | undefined, reply?: (event: TappedEvent['event']) => object): void;
  /** Sends `frame` to the gateway on every open connection, as if the backend had (a malformed event, say). */
  inject(frame: object): void;
  /** Resolves once an event crossing the tap matches (already crossed or later). */
  waitFor(predicate: (e: TappedEvent) => boolean, timeoutMs?: number): Promise<TappedEvent>;
  close(): Promise<void>;
}

export async function startWsTap(upstreamUrl: string): Promise<WsTap> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const events: TappedEvent[] = [];
  let waiters: { predicate: (e: TappedEvent) => boolean; resolve: (e: TappedEvent) => void }[] = [];
  const push = (e: TappedEvent) => {
    events.push(e);
    waiters = waiters.filter((w) => !(w.predicate(e) && (w.resolve(e), true)));
  };
  const upstream = new URL(upstreamUrl);
  let opened = 0;
  let swallowed: ((event: TappedEvent['event']) => boolean) | undefined;
  let swallowReply: ((event: TappedEvent['event']) => object) | undefined;

  server.on('connection', (client, req) => {
    const connection = opened++;
    const target = new URL(req.url ?? '/', upstream);
    const backend = new WebSocket(target, { headers: { authorization: req.headers.authorization ?? '' } });
    const pending: string[] = [];
    const record = (direction: TappedEvent['direction'], text: string) => {
      try {
        push({ direction, connection, event: JSON.parse(text) as TappedEvent['event'] });
      } catch {
        push({ direction, connection, event: { type: '<unparsable>' } });
      }
    };
    client.on('message', (data) => {
      const text = data.toString();
      record('client', text);
      const last = events[events.length - 1].event;
      if (swallowed?.(last)) {
        if (swallowReply) {
          const answer = JSON.stringify(swallowReply(last));
          record('server', answer);
          client.send(answer);
        }
        return;
      }
      if (backend.readyState === WebSocket.OPEN) backend.send(text);
      else pending.push(text);
    });
    backend.on('open', () => pending.splice(0).forEach((text) => backend.send(text)));
    backend.on('message', (data) => {
      const text = data.toString();
      record('server', text);
      if (client.readyState === WebSocket.OPEN) client.send(text);
    });
    backend.on('close', () => client.close());
    client.on('close', () => backend.close());
    backend.on('error', () => client.terminate());
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${upstream.pathname}${upstream.search}`,
    events,
    waitFor: (predicate, timeoutMs = 20_000) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a wire event')), timeoutMs);
        waiters.push({ predicate, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
    openConnections: () => server.clients.size,
    connectionsOpened: () => opened,
    dropConnections: () => {
      for (const c of server.clients) c.terminate();
    },
    inject: (frame) => {
      const text = JSON.stringify(frame);
      for (const c of server.clients) {
        if (c.readyState === WebSocket.OPEN) c.send(text);
      }
    },
    swallow: (predicate, reply) => {
      swallowed = predicate;
      swallowReply = reply;
    },
    clientEvents: (type) => events.filter((e) => e.direction === 'client' && (!type || e.event.type === type)).map((e) => e.event),
    close: () => new Promise<void>((resolve) => {
      for (const c of server.clients) c.terminate();
      server.close(() => resolve());
    }),
  };
}
