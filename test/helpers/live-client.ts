import OpenAI from 'openai';
import { LiveWS } from 'openai/resources/live/ws';
import type { ClientEvent, ServerEvent } from 'openai/resources/live/live';

/**
 * The `openai` package's own GPT-Live client (LiveWS) on a base URL (the emulator's
 * `http://127.0.0.1:PORT/v1`), recording every server event for tests to wait on.
 */
export class LiveTestClient {
  readonly events: ServerEvent[] = [];
  readonly ws: LiveWS;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];

  constructor(baseURL: string, apiKey = 'test-key') {
    this.ws = new LiveWS(new OpenAI({ apiKey, baseURL }));
    this.ws.on('event', (event) => {
      this.events.push(event);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
    // Errors are events too (recorded above); the SDK also raises them here.
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason })));
  }

  send(event: ClientEvent): void {
    this.ws.send(event);
  }

  waitFor<T extends ServerEvent['type']>(
    type: T,
    predicate: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<ServerEvent, { type: T }>> {
    type E = Extract<ServerEvent, { type: T }>;
    const match = (e: ServerEvent): e is E => e.type === type && predicate(e as E);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${[...new Set(this.events.map((e) => e.type))].join(',')}`)), timeoutMs);
      this.#waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e as E); } });
    });
  }

  ofType<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);
  }

  /** Streams PCM16 24 kHz as `session.input_audio.append`, 40 ms a chunk, `speed` × real time. */
  async stream(samples: Int16Array, speed = 8): Promise<void> {
    const chunk = 960;
    for (let i = 0; i < samples.length; i += chunk) {
      const part = samples.subarray(i, Math.min(i + chunk, samples.length));
      this.send({ type: 'session.input_audio.append', audio: Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64') });
      await new Promise((r) => setTimeout(r, 40 / speed));
    }
  }

  close(): void {
    this.ws.close();
  }
}
