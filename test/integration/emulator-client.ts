// Shared by the emulator integration tests: fast timing, a recorder of server events that can be
// awaited, and a bare WebSocket client for what the SDK clients cannot send (bad frames, bad auth).
import type { ConversationItem, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import WebSocket from 'ws';
import type { EmulatorTiming } from '../../src/emulator/index.ts';

/** No artificial latency, unpaced audio: the order of events is what the tests look at. */
export const FAST_TIMING: Partial<EmulatorTiming> = {
  sessionUpdatedMs: 0,
  committedMs: 0,
  commitEmptyErrorMs: 0,
  responseCreatedMs: 0,
  firstDeltaMs: 0,
  rateLimitsMs: 40,
  transcriptionMs: 0,
  textDeltaMs: 0,
  audioPace: 0,
};

/** Server events as the `openai` SDK types them (the wire also has nulls and `obfuscation`). */
export type ServerEvent = RealtimeServerEvent;
export type EventType = ServerEvent['type'];
export type EventOf<T extends EventType> = Extract<ServerEvent, { type: T }>;

/** What a test reads of a content part, whatever the message's role. */
export interface Part {
  type?: string;
  text?: string;
  transcript?: string | null;
  audio?: string;
}

export function partsOf(item: ConversationItem | undefined): Part[] {
  return item && 'content' in item ? item.content : [];
}

/** Every server event in arrival order, with waits that also see events already received. */
export class EventLog {
  readonly events: ServerEvent[] = [];
  #waiters: Array<{ from: number; match: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }> = [];

  push(event: ServerEvent): void {
    this.events.push(event);
    const index = this.events.length - 1;
    this.#waiters = this.#waiters.filter((w) => {
      if (index < w.from || !w.match(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  /** The first event of `type` (at or after index `from`) that matches, waiting if needed. */
  waitFor<T extends EventType>(type: T, predicate: (e: EventOf<T>) => boolean = () => true, opts: { from?: number; timeoutMs?: number } = {}): Promise<EventOf<T>> {
    const from = opts.from ?? 0;
    const isType = (e: ServerEvent): e is EventOf<T> => e.type === type;
    const match = (e: ServerEvent): boolean => isType(e) && predicate(e);
    const seen = this.events.slice(from).filter(isType).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<EventOf<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const tail = this.events.slice(-12).map((e) => e.type).join(', ');
        reject(new Error(`timed out waiting for ${type}; last events: ${tail}`));
      }, opts.timeoutMs ?? 15_000);
      this.#waiters.push({
        from,
        match,
        resolve: (e) => {
          clearTimeout(timer);
          if (isType(e)) resolve(e);
        },
      });
    });
  }

  of<T extends EventType>(type: T, from = 0): EventOf<T>[] {
    return this.events.slice(from).filter((e): e is EventOf<T> => e.type === type);
  }

  /** Event types from index `from` on, without the streaming deltas. */
  types(from = 0, keepDeltas = false): string[] {
    return this.events
      .slice(from)
      .map((e) => e.type)
      .filter((t) => keepDeltas || !t.endsWith('.delta'));
  }

  get length(): number {
    return this.events.length;
  }
}

export interface RawClientOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  ca?: string;
}

/** A plain `ws` client that records events and the close it got. */
export class RawClient {
  readonly log = new EventLog();
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.log.push(JSON.parse(data.toString()) as ServerEvent));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, opts: RawClientOptions = {}): Promise<RawClient> {
    const headers = opts.headers ?? { Authorization: 'Bearer test' };
    const ws = new WebSocket(url, opts.protocols ?? [], { headers, ca: opts.ca });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(event: object): void {
    this.ws.send(JSON.stringify(event));
  }

  close(): void {
    this.ws.close();
  }
}

export function toBase64(samples: Int16Array | Uint8Array): string {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

/** All `response.output_audio.delta` bytes of one response, in order. */
export function audioOf(log: EventLog, responseId: string | undefined): Buffer {
  return Buffer.concat(log.of('response.output_audio.delta').filter((e) => e.response_id === responseId).map((e) => Buffer.from(e.delta, 'base64')));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
