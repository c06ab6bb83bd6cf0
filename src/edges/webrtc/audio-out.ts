import { PCM_RATE_HZ } from '../../audio/format.ts';
import { FrameClock } from './frame-clock.ts';
import type { AudioSource } from './wrtc.ts';

const FRAME_MS = 10;
const FRAME_SAMPLES = (PCM_RATE_HZ * FRAME_MS) / 1000;
const FRAME_BYTES = FRAME_SAMPLES * 2;
/**
 * After a stall (GC pause, busy event loop) at most this many overdue frames go out at once (plus
 * the lead); the clock is then re-anchored, so a long stall delays playback instead of bursting it.
 */
const MAX_CATCH_UP_FRAMES = 4;
/**
 * How far ahead of real time the pump may run. Audio that arrives late and then in a clump (a busy
 * backend, network jitter) would otherwise stay queued here for the rest of a continuous stream,
 * adding its delay for good; sent early, it waits in the receiver's jitter buffer instead, which
 * shrinks itself back (time compression). It also lets an answer's first frames go at once.
 */
export const LEAD_MS = 40;
const LEAD_FRAMES = LEAD_MS / FRAME_MS;
/**
 * Less than a frame queued is an underrun; more audio is usually on its way (deltas do not end on
 * frame boundaries), so wait this long before padding the frame with silence.
 */
const PARTIAL_HOLD_MS = FRAME_MS;
/** Every pump of the process paces on this one clock. */
const clock = new FrameClock(FRAME_MS);
/** Agent audio waiting to be played; the backend streams faster than real time, so allow minutes. */
export const MAX_QUEUED_MS = 120_000;
const MAX_QUEUED_BYTES = (MAX_QUEUED_MS * PCM_RATE_HZ * 2) / 1000;

/**
 * Feeds queued PCM16 24 kHz agent audio to an RTCAudioSource in real time, one 10 ms frame per
 * tick of the process's shared frame clock. Frames are counted from a fixed origin (frame n is due
 * at origin + n * 10 ms), so timer lateness never accumulates; the origin is the clock's phase, so
 * the first frame goes out at once and the rest on the clock's ticks. The source accepts 24 kHz
 * directly; the WebRTC stack resamples for Opus. When the queue is empty the pump leaves the clock
 * and nothing is sent: the receiver's jitter buffer plays silence over the gap and the track stays
 * live (ICE consent keeps the connection).
 */
export class AudioPump {
  readonly #source: AudioSource;
  readonly #onOverflow: (droppedMs: number) => void;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #playedSamples = 0;
  /** The frame handed to the source; reused, since the source copies it. */
  readonly #frame = new Int16Array(FRAME_SAMPLES);
  readonly #frameBytes = Buffer.from(this.#frame.buffer);
  #ticking = false;
  #originMs = 0;
  #framesSinceOrigin = 0;
  /** When the queue fell below one frame with a frame due; undefined while it holds enough. */
  #shortSinceMs: number | undefined;
  /** Audio is held until the peer is connected: frames sent earlier would be lost but counted. */
  #started = false;
  #stopped = false;

  constructor(source: AudioSource, onOverflow: (droppedMs: number) => void) {
    this.#source = source;
    this.#onOverflow = onOverflow;
  }

  /** Queues agent audio. The buffer is kept, not copied: the caller must not reuse it. */
  enqueue(pcm: Buffer): void {
    if (this.#stopped || pcm.byteLength === 0) return;
    if (this.#queuedBytes + pcm.byteLength > MAX_QUEUED_BYTES) {
      this.#onOverflow((pcm.byteLength * 1000) / (2 * PCM_RATE_HZ));
      return;
    }
    this.#queue.push(pcm);
    this.#queuedBytes += pcm.byteLength;
    this.#wake();
  }

  /** Starts sending (once the peer is connected). */
  start(): void {
    this.#started = true;
    this.#wake();
  }

  /** Drops everything not yet sent and restarts the played count (barge-in). */
  clear(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#shortSinceMs = undefined;
    this.#playedSamples = 0;
    this.#sleep();
  }

  /** Exact milliseconds of audio handed to the track since start or the last clear (it may lead real time by LEAD_MS). */
  playedMs(): number {
    return (this.#playedSamples * 1000) / PCM_RATE_HZ;
  }

  stop(): void {
    this.#stopped = true;
    this.clear();
  }

  #wake(): void {
    if (!this.#started || this.#stopped || this.#ticking || this.#queuedBytes < 2) return;
    this.#ticking = true;
    this.#originMs = clock.join(this.#tick);
    this.#framesSinceOrigin = 0;
    this.#tick(performance.now());
  }

  #sleep(): void {
    if (!this.#ticking) return;
    this.#ticking = false;
    clock.leave(this.#tick);
  }

  #tick = (now: number): void => {
    let behind = Math.floor((now - this.#originMs) / FRAME_MS) + 1 - this.#framesSinceOrigin;
    if (behind > MAX_CATCH_UP_FRAMES) {
      this.#originMs = now - (MAX_CATCH_UP_FRAMES - 1) * FRAME_MS;
      this.#framesSinceOrigin = 0;
      behind = MAX_CATCH_UP_FRAMES;
    }
    let due = behind + LEAD_FRAMES;
    for (; due > 0 && this.#queuedBytes >= 2; due--) {
      if (this.#queuedBytes < FRAME_BYTES) {
        this.#shortSinceMs ??= now;
        if (now - this.#shortSinceMs < PARTIAL_HOLD_MS) break;
      }
      this.#sendFrame();
    }
    if (this.#queuedBytes < 2) {
      // A lone odd byte cannot form a sample.
      this.#queue = [];
      this.#queuedBytes = 0;
      this.#sleep();
    }
  };

  #sendFrame(): void {
    const bytes = this.#frameBytes;
    let filled = 0;
    while (filled < FRAME_BYTES && this.#queue.length > 0) {
      const head = this.#queue[0];
      const take = Math.min(head.byteLength, FRAME_BYTES - filled);
      head.copy(bytes, filled, 0, take);
      filled += take;
      if (take === head.byteLength) this.#queue.shift();
      else this.#queue[0] = head.subarray(take);
    }
    bytes.fill(0, filled);
    this.#queuedBytes -= filled;
    this.#shortSinceMs = undefined;
    // A short last frame is padded with silence; only its real samples count as played.
    const realSamples = filled >> 1;
    this.#source.onData({ samples: this.#frame, sampleRate: PCM_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
    this.#playedSamples += realSamples;
    this.#framesSinceOrigin++;
  }
}
