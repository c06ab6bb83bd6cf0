import createFvad, { type FvadModule } from '@echogarden/fvad-wasm';
import { rms } from '../audio/pcm.ts';
import { createResampler, type Resampler } from '../audio/resampler.ts';

/** server_vad settings, plus where this detector starts on the session's audio timeline. */
export interface VadOptions {
  sampleRate: 8000 | 24000;
  /** 0..1 with Realtime server_vad semantics: higher needs louder, clearer speech. */
  threshold: number;
  /** Audio kept before the detected onset (audioStartMs = onset - this). */
  prefixPaddingMs: number;
  /** Silence that ends a turn (audioEndMs = last voiced audio + this). */
  silenceDurationMs: number;
  /** Ms of audio already in the session before this detector; default 0. */
  offsetMs?: number;
}

/** The Realtime server_vad defaults (REALTIME_PROTOCOL.md §2.1). */
export const DEFAULT_VAD_OPTIONS = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 200 } as const;

/** Times are integer ms on the session's cumulative appended-audio timeline, not wall clock. */
export type VadEvent = { type: 'speech_started'; audioStartMs: number } | { type: 'speech_stopped'; audioEndMs: number };

const FRAME_MS = 20;
/** fvad rate for 24 kHz input (fvad takes 8/16/32/48 kHz); 8 kHz input is used as is. */
const FVAD_WIDE_RATE = 16_000;
/** Consecutive voiced frames before a turn starts, so a click or a cough does not. */
const MIN_SPEECH_FRAMES = 3;
/**
 * fvad often calls the edges of a turn unvoiced: an opening /h/, /s/ or /θ/ and a closing /s/
 * (at 8 kHz these keep only -45..-55 dBFS). So frames within 10 dB of the loudness gate that
 * touch the voiced run count as speech too: up to ONSET_LOOKBACK_FRAMES before it, and up to
 * TAIL_MAX_MS after its last voiced frame.
 */
const EDGE_GATE_RATIO = 10 ** (-10 / 20);
const ONSET_LOOKBACK_FRAMES = 4;
const RECENT_FRAMES = MIN_SPEECH_FRAMES + ONSET_LOOKBACK_FRAMES;
const TAIL_MAX_MS = 120;

/**
 * How `threshold` maps onto fvad. fvad's mode (0..3) sets how readily it calls a frame speech;
 * it cannot be stricter than mode 3 and it calls steady hiss speech, so a frame must also be
 * louder than a gate that rises with the threshold:
 *   mode = min(3, floor(threshold / 0.15))      (0.45 and above: 3, the most selective)
 *   gate = -65 + 40 * threshold dBFS (RMS)      (0 -> -65, 0.5 -> -45, 1 -> -25)
 * At the default 0.5, uniform noise of ±200 (-49 dBFS) never starts a turn, while speech at
 * a normal -20..-30 dBFS clears the gate by 15 dB or more.
 */
function fvadMode(threshold: number): number {
  return Math.min(3, Math.floor(threshold / 0.15));
}
function gateRms(threshold: number): number {
  return 32768 * 10 ** ((-65 + 40 * threshold) / 20);
}

let fvad: Promise<FvadModule> | undefined;
function loadFvad(): Promise<FvadModule> {
  fvad ??= createFvad();
  return fvad;
}

/**
 * Real voice-activity detection (WebRTC's VAD) for the emulator's server_vad. Feed it the
 * session's input audio in chunks of any size; it returns the turn events each chunk completes.
 */
export class VoiceActivityDetector {
  readonly #wasm: FvadModule;
  readonly #rate: number;
  readonly #resampler: Resampler | undefined;
  readonly #frame: Int16Array;
  readonly #fvadRate: number;
  #inst: number;
  readonly #framePtr: number;
  #fill = 0;
  #opts: Required<Omit<VadOptions, 'sampleRate'>>;
  #gate = 0;

  // Positions in ms from this detector's start (offsetMs is added on output).
  #inputSamples = 0;
  /** Where frame 0 of the current frame sequence starts (moves on reset). */
  #framesOriginMs = 0;
  #frames = 0;
  /** A turn's audio cannot start before this: the detector's start or the last turn's end. */
  #floorMs = 0;
  #speaking = false;
  #runFrames = 0;
  /** Whether the frames since the last voiced one have all been loud enough to be its tail. */
  #inTail = false;
  /** End of the turn's audio so far: the last voiced frame or its tail. */
  #speechEndMs = 0;
  /** RMS of the last RECENT_FRAMES frames, by frame number modulo its length. */
  readonly #recentRms = new Float64Array(RECENT_FRAMES);
  /** Frame number where the current run of voiced frames began. */
  #runStart = 0;
  #lastVoicedEndMs = 0;

  static async create(opts: VadOptions): Promise<VoiceActivityDetector> {
    if (opts.sampleRate !== 8000 && opts.sampleRate !== 24000) {
      throw new RangeError(`VAD sample rate must be 8000 or 24000, got ${String(opts.sampleRate)}`);
    }
    const settings = { ...opts, offsetMs: opts.offsetMs ?? 0 };
    validate(settings);
    const resampler = opts.sampleRate === 24000 ? await createResampler(24000, FVAD_WIDE_RATE) : undefined;
    return new VoiceActivityDetector(await loadFvad(), settings, resampler);
  }

  private constructor(wasm: FvadModule, opts: Required<VadOptions>, resampler: Resampler | undefined) {
    this.#wasm = wasm;
    this.#rate = opts.sampleRate;
    this.#resampler = resampler;
    this.#fvadRate = resampler ? FVAD_WIDE_RATE : opts.sampleRate;
    this.#frame = new Int16Array((this.#fvadRate * FRAME_MS) / 1000);
    this.#inst = wasm._fvad_new();
    this.#framePtr = wasm._malloc(this.#frame.byteLength);
    if (this.#inst === 0 || this.#framePtr === 0) throw new Error('VAD: out of WASM memory');
    const { threshold, prefixPaddingMs, silenceDurationMs, offsetMs } = opts;
    this.#opts = { threshold, prefixPaddingMs, silenceDurationMs, offsetMs };
    this.#applySettings();
  }

  /** offsetMs plus the ms of audio given to process() so far. */
  get processedMs(): number {
    return this.#opts.offsetMs + (this.#inputSamples * 1000) / this.#rate;
  }

  process(samples: Int16Array): VadEvent[] {
    this.#assertLive();
    this.#inputSamples += samples.length;
    const audio = this.#resampler ? this.#resampler.process(samples) : samples;
    const events: VadEvent[] = [];
    const frameLength = this.#frame.length;
    let offset = 0;
    // Top up the partial frame carried over from the last call, then take whole frames.
    if (this.#fill > 0) {
      offset = Math.min(frameLength - this.#fill, audio.length);
      this.#frame.set(audio.subarray(0, offset), this.#fill);
      this.#fill += offset;
      if (this.#fill < frameLength) return events;
      this.#step(this.#frame, events);
      this.#fill = 0;
    }
    for (; offset + frameLength <= audio.length; offset += frameLength) {
      this.#step(audio.subarray(offset, offset + frameLength), events);
    }
    this.#frame.set(audio.subarray(offset));
    this.#fill = audio.length - offset;
    return events;
  }

  /** Takes effect from the next frame; offsetMs re-bases every later event. */
  update(opts: Partial<Omit<VadOptions, 'sampleRate'>>): void {
    const next = {
      threshold: opts.threshold ?? this.#opts.threshold,
      prefixPaddingMs: opts.prefixPaddingMs ?? this.#opts.prefixPaddingMs,
      silenceDurationMs: opts.silenceDurationMs ?? this.#opts.silenceDurationMs,
      offsetMs: opts.offsetMs ?? this.#opts.offsetMs,
    };
    validate(next);
    this.#assertLive();
    this.#opts = next;
    this.#applySettings();
  }

  /** Forgets any turn in progress (e.g. on input_audio_buffer.clear); the timeline runs on. */
  reset(): void {
    this.#assertLive();
    this.#resampler?.flush();
    this.#wasm._fvad_reset(this.#inst);
    this.#applySettings();
    this.#fill = 0;
    this.#framesOriginMs = (this.#inputSamples * 1000) / this.#rate;
    this.#frames = 0;
    this.#floorMs = this.#framesOriginMs;
    this.#speaking = false;
    this.#runFrames = 0;
  }

  dispose(): void {
    if (this.#inst === 0) return;
    this.#wasm._fvad_free(this.#inst);
    this.#wasm._free(this.#framePtr);
    this.#resampler?.dispose();
    this.#inst = 0;
  }

  #assertLive(): void {
    if (this.#inst === 0) throw new Error('VAD used after dispose()');
  }

  /** fvad_reset() also reverts the rate and mode, so both are (re)applied here. */
  #applySettings(): void {
    if (this.#wasm._fvad_set_sample_rate(this.#inst, this.#fvadRate) !== 0) throw new Error(`VAD: fvad refused ${this.#fvadRate} Hz`);
    this.#wasm._fvad_set_mode(this.#inst, fvadMode(this.#opts.threshold));
    this.#gate = gateRms(this.#opts.threshold);
  }

  #step(frame: Int16Array, events: VadEvent[]): void {
    this.#wasm.HEAP16.set(frame, this.#framePtr >> 1);
    const level = rms(frame);
    const voiced = this.#wasm._fvad_process(this.#inst, this.#framePtr, frame.length) === 1 && level >= this.#gate;
    const frameIndex = this.#frames++;
    this.#recentRms[frameIndex % RECENT_FRAMES] = level;
    const startMs = this.#framesOriginMs + frameIndex * FRAME_MS;
    const endMs = startMs + FRAME_MS;
    const { offsetMs, prefixPaddingMs, silenceDurationMs } = this.#opts;
    if (!this.#speaking) {
      if (!voiced) {
        this.#runFrames = 0;
        return;
      }
      if (this.#runFrames++ === 0) this.#runStart = frameIndex;
      if (this.#runFrames < MIN_SPEECH_FRAMES) return;
      this.#speaking = true;
      this.#lastVoicedEndMs = endMs;
      this.#speechEndMs = endMs;
      this.#inTail = true;
      const onsetMs = this.#framesOriginMs + this.#onsetFrame() * FRAME_MS;
      const audioStartMs = Math.max(this.#floorMs, onsetMs - prefixPaddingMs);
      events.push({ type: 'speech_started', audioStartMs: Math.round(offsetMs + audioStartMs) });
    } else if (voiced) {
      this.#lastVoicedEndMs = endMs;
      this.#speechEndMs = endMs;
      this.#inTail = true;
    } else if (this.#inTail && level >= this.#gate * EDGE_GATE_RATIO && endMs - this.#lastVoicedEndMs <= TAIL_MAX_MS) {
      this.#speechEndMs = endMs;
    } else {
      this.#inTail = false;
      if (endMs - this.#speechEndMs < silenceDurationMs) return;
      this.#speaking = false;
      this.#runFrames = 0;
      const audioEndMs = this.#speechEndMs + silenceDurationMs;
      this.#floorMs = audioEndMs;
      events.push({ type: 'speech_stopped', audioEndMs: Math.round(offsetMs + audioEndMs) });
    }
  }

  /** The run's first frame, moved back over the edge-loud frames just before it. */
  #onsetFrame(): number {
    let onset = this.#runStart;
    const earliest = Math.max(0, this.#runStart - ONSET_LOOKBACK_FRAMES);
    while (onset > earliest && this.#recentRms[(onset - 1) % RECENT_FRAMES] >= this.#gate * EDGE_GATE_RATIO) onset--;
    return onset;
  }
}

function validate(opts: Omit<VadOptions, 'sampleRate'>): void {
  if (!(opts.threshold >= 0 && opts.threshold <= 1)) throw new RangeError(`VAD threshold must be 0..1, got ${opts.threshold}`);
  for (const key of ['prefixPaddingMs', 'silenceDurationMs', 'offsetMs'] as const) {
    const value = opts[key] ?? 0;
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`VAD ${key} must be a finite number >= 0, got ${value}`);
  }
}
