import WebSocket from 'ws';
import type { ClientEvent } from '../../src/edges/edge.ts';

/**
 * A device on the kiosk protocol: sends PCM16 and control frames, records every event and all
 * agent audio it receives, and reports playback like a real device that plays in real time.
 */
export class KioskClient {
  readonly events: ClientEvent[] = [];
  readonly audio: Buffer[] = [];
  readonly ws: WebSocket;
  /** Agent audio received since the last `audio.clear`, in ms (what a device would have queued). */
  receivedSinceClearMs = 0;
  #waiters: { predicate: (e: ClientEvent) => boolean; resolve: (e: ClientEvent) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.audio.push(data as Buffer);
        this.receivedSinceClearMs += (data as Buffer).length / 48;
        return;
      }
      const event = JSON.parse(data.toString()) as ClientEvent;
      if (event.type === 'audio.clear') this.receivedSinceClearMs = 0;
      this.events.push(event);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.predicate(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  /**
   * Records what `ws` receives from now on. Call it before the open: frames that came with the
   * 101 (a start refused at once) are emitted before an `await` on the open resumes, and would be lost.
   */
  static listen(ws: WebSocket): KioskClient {
    return new KioskClient(ws);
  }

  /** `localAddress`: the loopback address to connect from (127.x.y.z), for limits kept per address. */
  static async connect(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<KioskClient> {
    const ws = new WebSocket(url, { headers, localAddress });
    const client = KioskClient.listen(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** Resolves with the first event (already received or future) matching `predicate`. */
  waitFor<T extends ClientEvent['type']>(
    type: T,
    predicate: (e: Extract<ClientEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<ClientEvent, { type: T }>> {
    type E = Extract<ClientEvent, { type: T }>;
    const match = (e: ClientEvent): e is E => e.type === type && predicate(e as E);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${this.events.map((e) => e.type).join(',')}`)), timeoutMs);
      this.#waiters.push({ predicate: match, resolve: (e) => { clearTimeout(timer); resolve(e as E); } });
    });
  }

  /** Events of one type received after index `from`. */
  after<T extends ClientEvent['type']>(from: number, type: T): Extract<ClientEvent, { type: T }>[] {
    return this.events.slice(from).filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
  }

  control(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Streams PCM16 24 kHz in 20 ms frames, paced at `speed` × real time. */
  async sendPcm(samples: Int16Array, speed = 4): Promise<void> {
    const frame = 480;
    for (let i = 0; i < samples.length; i += frame) {
      const part = samples.subarray(i, Math.min(i + frame, samples.length));
      this.ws.send(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      if ((i / frame) % 5 === 4) await new Promise((r) => setTimeout(r, (100 / speed)));
    }
  }

  /** Reports playback position like a device: `played_ms` since the last audio.clear. */
  reportPlayed(ms: number): void {
    this.control({ type: 'playback', played_ms: ms });
  }

  audioMs(): number {
    return this.audio.reduce((n, b) => n + b.length, 0) / 48;
  }

  close(): void {
    this.ws.close();
  }
}
