import { bytesPerMs, type AudioFormat } from '../../audio/format.ts';
import { TokenBucket } from '../token-bucket.ts';

/** How far ahead of real time a device may send: covers a few-second utterance sent at 4x, or a flush after a short stall. */
export const AUDIO_BURST_MS = 5_000;
/** Dropped audio beyond this is a device that will not slow down: it is closed. */
export const AUDIO_TOO_FAST_CLOSE_MS = 30_000;

/** What to do with one microphone frame. `first_drop`: the first frame dropped, when the device is told. */
export type MicrophoneVerdict = 'forward' | 'first_drop' | 'drop' | 'refuse';

/**
 * Bounds the microphone audio a device sends to real time plus a burst (a token bucket in bytes of
 * the edge's format), so a device cannot push minutes of audio to the backend in a second.
 */
export class MicrophoneBudget {
  readonly #bytesPerMs: number;
  readonly #bucket: TokenBucket;
  #droppedBytes = 0;

  constructor(format: AudioFormat, now?: () => number) {
    this.#bytesPerMs = bytesPerMs(format);
    this.#bucket = new TokenBucket(AUDIO_BURST_MS * this.#bytesPerMs, 1000 * this.#bytesPerMs, now);
  }

  /** Milliseconds of microphone audio dropped so far. */
  get droppedMs(): number {
    return this.#droppedBytes / this.#bytesPerMs;
  }

  admit(bytes: number): MicrophoneVerdict {
    if (this.#bucket.take(bytes)) return 'forward';
    const first = this.#droppedBytes === 0;
    this.#droppedBytes += bytes;
    if (this.droppedMs > AUDIO_TOO_FAST_CLOSE_MS) return 'refuse';
    return first ? 'first_drop' : 'drop';
  }
}
