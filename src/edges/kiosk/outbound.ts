import type { ClientEvent } from '../edge.ts';
import { TokenBucket } from '../token-bucket.ts';

/** Agent audio queued in the socket beyond this is a device that is not keeping up: more is dropped. */
export const MAX_BUFFERED_AUDIO_BYTES = 4 * 1024 * 1024;
/** Events still pass a full audio queue (an `audio.clear`, `session.ended` matter more), up to this. */
export const MAX_BUFFERED_BYTES = MAX_BUFFERED_AUDIO_BYTES + 1024 * 1024;
/** Error replies: a burst of this many, then this many a second; the rest are counted, not sent. */
export const ERROR_BURST = 10;
export const ERRORS_PER_SECOND = 2;

/** The part of a WebSocket this needs. */
export interface OutboundSocket {
  readonly bufferedAmount: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
}

/** What was held back from one device. */
export interface OutboundDrops {
  audioBytes: number;
  events: number;
  errors: number;
}

/**
 * Everything the gateway writes to one device, bounded: a device that does not read its socket
 * makes the socket's queue grow, so past a cap audio and then events are dropped (and counted)
 * instead of queued, and error replies are rate-limited so bad frames cannot be turned into an
 * unbounded stream of answers.
 */
export class Outbound {
  readonly #socket: OutboundSocket;
  readonly #errors: TokenBucket;
  readonly drops: OutboundDrops = { audioBytes: 0, events: 0, errors: 0 };

  constructor(socket: OutboundSocket, now?: () => number) {
    this.#socket = socket;
    this.#errors = new TokenBucket(ERROR_BURST, ERRORS_PER_SECOND, now);
  }

  /** Writes agent audio; false when it was dropped. */
  audio(pcm: Buffer): boolean {
    if (this.#socket.bufferedAmount > MAX_BUFFERED_AUDIO_BYTES) {
      this.drops.audioBytes += pcm.length;
      return false;
    }
    this.#socket.send(pcm, { binary: true });
    return true;
  }

  event(event: ClientEvent): void {
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.drops.events += 1;
      return;
    }
    if (event.type === 'error' && !this.#errors.take()) {
      this.drops.errors += 1;
      return;
    }
    this.#socket.send(JSON.stringify(event));
  }

  /** Whether anything was held back. */
  dropped(): boolean {
    return this.drops.audioBytes > 0 || this.drops.events > 0 || this.drops.errors > 0;
  }
}
