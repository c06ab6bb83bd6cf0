// The echogarden WASM packages ship no typings; these cover the emscripten exports we call.

// The SIMD build: ~3.5x faster than the plain one on Node 20.
declare module '@echogarden/speex-resampler-wasm/simd' {
  export interface SpeexModule {
    /** Views are replaced when the heap grows: read them after any call that may allocate. */
    readonly HEAP16: Int16Array;
    readonly HEAP32: Int32Array;
    readonly HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_process_int(
      state: number,
      channel: number,
      inPtr: number,
      inLenPtr: number,
      outPtr: number,
      outLenPtr: number,
    ): number;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_reset_mem(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
  }
  const SpeexResampler: () => Promise<SpeexModule>;
  export default SpeexResampler;
}

declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    readonly HEAP16: Int16Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _fvad_new(): number;
    _fvad_free(inst: number): void;
    _fvad_reset(inst: number): void;
    /** 0..3; returns -1 on an invalid mode. */
    _fvad_set_mode(inst: number, mode: number): number;
    /** 8000, 16000, 32000 or 48000; returns -1 otherwise. */
    _fvad_set_sample_rate(inst: number, rate: number): number;
    /** 10, 20 or 30 ms frames; 1 voiced, 0 not, -1 on a bad frame length. */
    _fvad_process(inst: number, framePtr: number, length: number): number;
  }
  const createFvad: () => Promise<FvadModule>;
  export default createFvad;
}
