import WebSocket from 'ws';
import type { ClientEvent } from '../edges/edge.ts';
import { Caller } from './caller.ts';

// The caller of a conversation test, on the kiosk protocol: streams PCM16 24 kHz in real time,
// types, and plays the agent's audio on a clock as a device would (so it knows when the agent has
// been heard in full, and reports playback like a device). Every event is kept with its time.

/** PCM16 24 kHz mono: bytes per ms. */
const BYTES_PER_MS = 48;
const FRAME_MS = 20;
/** How often the device reports how much it has played, as a kiosk does while it plays. */
const PLAYBACK_REPORT_MS = 200;

export class KioskCaller extends Caller {
  readonly #ws: WebSocket;
  #receivedSinceClearMs = 0;
  #playbackEndsAt = 0;
  #lastActivity = performance.now();
  #reported = 0;
  readonly #reporter: NodeJS.Timeout;

  private constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    this.#reporter = setInterval(() => {
      const heard = this.#heardMs();
      if (heard > this.#reported) this.reportPlayed(false);
    }, PLAYBACK_REPORT_MS);
    ws.on('message', (data, isBinary) => {
      const now = performance.now();
      this.#lastActivity = now;
      if (isBinary) {
        const ms = (data as Buffer).length / BYTES_PER_MS;
        this.keepAudio(now);
        this.#receivedSinceClearMs += ms;
        this.#playbackEndsAt = Math.max(now, this.#playbackEndsAt) + ms;
      } else {
        const event = JSON.parse(data.toString()) as ClientEvent;
        if (event.type === 'audio.clear') {
          this.#receivedSinceClearMs = 0;
          this.#reported = 0;
          this.#playbackEndsAt = now;
        }
        this.keepEvent(event, now);
      }
      this.wake();
    });
    ws.on('close', () => {
      clearInterval(this.#reporter);
      this.wake();
    });
  }

  static async connect(url: string): Promise<KioskCaller> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`the gateway refused the kiosk connection: HTTP ${res.statusCode}`)));
    });
    return new KioskCaller(ws);
  }

  get closed(): boolean {
    return this.#ws.readyState !== WebSocket.OPEN;
  }

  /** Whether the agent has spoken since `since`, has been heard in full, and nothing happened for `quietMs`. */
  agentDone(since: number, quietMs: number): boolean {
    const now = performance.now();
    return (this.spokeSince(since) && now >= this.#playbackEndsAt && now - this.#lastActivity >= quietMs) || this.closed;
  }

  agentPlaying(): boolean {
    return performance.now() < this.#playbackEndsAt;
  }

  /** Tells the gateway how much of the agent's audio was played (all of it, unless cut in on). */
  reportPlayed(all: boolean): void {
    const heard = Math.floor(all ? this.#receivedSinceClearMs : this.#heardMs());
    this.#reported = heard;
    this.control({ type: 'playback', played_ms: heard });
  }

  /** Audio played since the last clear: what arrived, less what is still queued. */
  #heardMs(): number {
    return Math.max(0, this.#receivedSinceClearMs - Math.max(0, this.#playbackEndsAt - performance.now()));
  }

  control(message: object): void {
    if (!this.closed) this.#ws.send(JSON.stringify(message));
  }

  /** Streams PCM16 24 kHz in 20 ms frames at real time; resolves when the last frame is sent. */
  async stream(samples: Int16Array): Promise<number> {
    const frame = (FRAME_MS * BYTES_PER_MS) / 2;
    const start = performance.now();
    for (let i = 0, n = 0; i < samples.length; i += frame, n++) {
      if (this.closed) break;
      const part = samples.subarray(i, Math.min(i + frame, samples.length));
      this.#ws.send(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      const due = start + (n + 1) * FRAME_MS - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
    return start;
  }

  close(): void {
    clearInterval(this.#reporter);
    this.#ws.close();
  }
}
