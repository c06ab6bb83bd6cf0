import SpeexResamplerWasm, { type SpeexModule } from '@echogarden/speex-resampler-wasm/simd';
import { concatInt16 } from './pcm.ts';

/** A streaming sample-rate converter for mono PCM16. */
export interface Resampler {
  /** Keeps filter state between calls, so 10 ms chunks in give one continuous stream out. */
  process(samples: Int16Array): Int16Array;
  /** Ends the stream: returns the samples still held in the filter, then starts afresh. */
  flush(): Int16Array;
  /** Frees the WASM memory; the resampler is unusable afterwards. Safe to call twice. */
  dispose(): void;
}

/**
 * Speex quality 0..10. 4 (speexdsp's default) is flat within 0.5 dB to 7 kHz on 24k->16k and to
 * 3.5 kHz on 8k->24k, where 3 loses 3 dB and 1.2 dB; each step up costs ~20% more CPU for
 * alias rejection voice does not need.
 */
export const DEFAULT_RESAMPLER_QUALITY = 4;

/** Input samples per WASM call: bounds each resampler's scratch memory whatever the chunk size. */
const BLOCK_SAMPLES = 4096;

let speex: Promise<SpeexModule> | undefined;

/** One WASM instance per thread, loaded on first use and shared by every resampler. */
function loadSpeex(): Promise<SpeexModule> {
  speex ??= SpeexResamplerWasm();
  return speex;
}

/** Bytes of WASM memory the shared instance holds (0 before first use); for leak checks. */
export async function resamplerHeapBytes(): Promise<number> {
  if (!speex) return 0;
  return (await speex).HEAP16.byteLength;
}

const PASS_THROUGH: Resampler = {
  process: (samples) => samples,
  flush: () => new Int16Array(0),
  dispose: () => {},
};

export async function createResampler(
  inRate: number,
  outRate: number,
  quality: number = DEFAULT_RESAMPLER_QUALITY,
): Promise<Resampler> {
  for (const [name, rate] of [['inRate', inRate], ['outRate', outRate]] as const) {
    if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`${name} must be a positive integer, got ${rate}`);
  }
  if (!Number.isInteger(quality) || quality < 0 || quality > 10) {
    throw new RangeError(`resampler quality must be an integer 0..10, got ${quality}`);
  }
  if (inRate === outRate) return PASS_THROUGH;
  return new SpeexResampler(await loadSpeex(), inRate, outRate, quality);
}

/** One-shot conversion, filter tail included. Same rates return `samples` itself. */
export async function resample(samples: Int16Array, inRate: number, outRate: number): Promise<Int16Array> {
  if (inRate === outRate) return samples;
  const resampler = await createResampler(inRate, outRate);
  try {
    return concatInt16([resampler.process(samples), resampler.flush()]);
  } finally {
    resampler.dispose();
  }
}

class SpeexResampler implements Resampler {
  readonly #wasm: SpeexModule;
  readonly #inRate: number;
  readonly #outRate: number;
  readonly #outBlock: number;
  #state: number;
  // One allocation: [in_len u32][out_len u32][input block][output block].
  readonly #scratch: number;
  #inTotal = 0;
  #outTotal = 0;

  constructor(wasm: SpeexModule, inRate: number, outRate: number, quality: number) {
    this.#wasm = wasm;
    this.#inRate = inRate;
    this.#outRate = outRate;
    this.#outBlock = Math.ceil((BLOCK_SAMPLES * outRate) / inRate) + 64;
    this.#scratch = wasm._malloc(8 + 2 * (BLOCK_SAMPLES + this.#outBlock));
    if (this.#scratch === 0) throw new Error('resampler: out of WASM memory');
    this.#state = wasm._speex_resampler_init(1, inRate, outRate, quality, this.#scratch);
    if (this.#state === 0) {
      const code = wasm.HEAP32[this.#scratch >> 2];
      wasm._free(this.#scratch);
      throw new Error(`resampler: speex init failed for ${inRate} -> ${outRate} Hz (error ${code})`);
    }
    // Without this the output would start with the filter's delay of zeros; with it,
    // output sample i lines up with input time i / inRate.
    wasm._speex_resampler_skip_zeros(this.#state);
  }

  process(samples: Int16Array): Int16Array {
    const out = this.#run(samples);
    this.#inTotal += samples.length;
    this.#outTotal += out.length;
    return out;
  }

  flush(): Int16Array {
    const wasm = this.#assertLive();
    // The filter holds back about its input latency; push that much silence through and keep
    // only what the real input accounts for, so the total is exactly in * outRate / inRate.
    const owed = Math.round((this.#inTotal * this.#outRate) / this.#inRate) - this.#outTotal;
    const padding = wasm._speex_resampler_get_input_latency(this.#state) + Math.ceil(this.#inRate / this.#outRate) + 1;
    const drained = this.#run(new Int16Array(padding));
    const tail = new Int16Array(Math.max(0, owed));
    tail.set(drained.subarray(0, tail.length));
    wasm._speex_resampler_reset_mem(this.#state);
    wasm._speex_resampler_skip_zeros(this.#state);
    this.#inTotal = 0;
    this.#outTotal = 0;
    return tail;
  }

  dispose(): void {
    if (this.#state === 0) return;
    this.#wasm._speex_resampler_destroy(this.#state);
    this.#wasm._free(this.#scratch);
    this.#state = 0;
  }

  #assertLive(): SpeexModule {
    if (this.#state === 0) throw new Error('resampler used after dispose()');
    return this.#wasm;
  }

  #run(samples: Int16Array): Int16Array {
    const wasm = this.#assertLive();
    const inLenPtr = this.#scratch;
    const outLenPtr = this.#scratch + 4;
    const inPtr = this.#scratch + 8;
    const outPtr = inPtr + 2 * BLOCK_SAMPLES;
    let out = new Int16Array(Math.ceil((samples.length * this.#outRate) / this.#inRate) + 16);
    let written = 0;
    for (let offset = 0; offset < samples.length; ) {
      const length = Math.min(BLOCK_SAMPLES, samples.length - offset);
      wasm.HEAP16.set(samples.subarray(offset, offset + length), inPtr >> 1);
      wasm.HEAPU32[inLenPtr >> 2] = length;
      wasm.HEAPU32[outLenPtr >> 2] = this.#outBlock;
      const err = wasm._speex_resampler_process_int(this.#state, 0, inPtr, inLenPtr, outPtr, outLenPtr);
      if (err !== 0) throw new Error(`resampler: speex process failed (error ${err})`);
      const consumed = wasm.HEAPU32[inLenPtr >> 2];
      const produced = wasm.HEAPU32[outLenPtr >> 2];
      if (consumed === 0 && produced === 0) throw new Error('resampler: speex made no progress');
      if (written + produced > out.length) {
        const grown = new Int16Array(Math.max(out.length * 2, written + produced));
        grown.set(out.subarray(0, written));
        out = grown;
      }
      out.set(wasm.HEAP16.subarray(outPtr >> 1, (outPtr >> 1) + produced), written);
      written += produced;
      offset += consumed;
    }
    return written === out.length ? out : out.subarray(0, written);
  }
}
