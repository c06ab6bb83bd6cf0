import { PCM_RATE_HZ } from '../../audio/format.ts';
import { int16ToBuffer } from '../../audio/pcm.ts';
import { createResampler, type Resampler } from '../../audio/resampler.ts';
import type { AudioFrame } from './wrtc.ts';

/** What RTCAudioSink delivers once Opus is decoding. */
const SINK_RATE_HZ = 48_000;
/** Rates seen before the first packet (16 kHz) and in steady state; more would be a bug upstream. */
const MAX_RATES = 4;

/**
 * Turns RTCAudioSink frames (48 kHz 10 ms, sometimes 16 kHz before the first packet arrives)
 * into PCM16 24 kHz mono. One streaming resampler per input rate; a frame at a rate whose
 * resampler is still being created is dropped (that only happens in the first few frames).
 */
export class MicrophoneInput {
  readonly #onPcm: (pcm: Buffer) => void;
  readonly #resamplers = new Map<number, Resampler>();
  readonly #creating = new Set<number>();
  readonly #ready: Promise<void>;
  #disposed = false;

  constructor(onPcm: (pcm: Buffer) => void) {
    this.#onPcm = onPcm;
    this.#ready = this.#prepare(SINK_RATE_HZ);
  }

  /** Resolves once the steady-state (48 kHz) resampler exists. */
  ready(): Promise<void> {
    return this.#ready;
  }

  push(frame: AudioFrame): void {
    if (this.#disposed) return;
    const resampler = this.#resamplers.get(frame.sampleRate);
    if (!resampler) {
      // Left in #creating on failure, so a refused rate is not retried on every frame.
      if (!this.#creating.has(frame.sampleRate) && this.#creating.size + this.#resamplers.size < MAX_RATES) {
        this.#prepare(frame.sampleRate).catch(() => {});
      }
      return;
    }
    const mono = downmix(frame);
    // The pass-through resampler (24 kHz in) returns its input, which the sink may reuse.
    const out = frame.sampleRate === PCM_RATE_HZ ? mono.slice() : resampler.process(mono);
    if (out.length > 0) this.#onPcm(int16ToBuffer(out));
  }

  dispose(): void {
    this.#disposed = true;
    for (const resampler of this.#resamplers.values()) resampler.dispose();
    this.#resamplers.clear();
  }

  async #prepare(rate: number): Promise<void> {
    this.#creating.add(rate);
    const resampler = await createResampler(rate, PCM_RATE_HZ);
    this.#creating.delete(rate);
    if (this.#disposed) resampler.dispose();
    else this.#resamplers.set(rate, resampler);
  }
}

function downmix(frame: AudioFrame): Int16Array {
  const channels = frame.channelCount;
  const interleaved = frame.samples.subarray(0, frame.numberOfFrames * channels);
  if (channels === 1) return interleaved;
  const mono = new Int16Array(frame.numberOfFrames);
  for (let i = 0; i < mono.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c];
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}
