import type { AudioFormat as LiveAudioFormat } from 'openai/resources/live/live';
import { createResampler, type Resampler } from '../../audio/resampler.ts';
import { VoiceActivityDetector, type VadEvent } from '../vad.ts';
import { decodeLive, rateOf } from './audio.ts';

// The emulated model's ears: the session's continuous input through the emulator's real VAD,
// whose turn events are the model's own turn decisions (GPT-Live has no turn-detection config,
// §2.2). Muted input, and input during a fixture, reaches the model as silence (§3.3e, §5.3).
// Times are on the input-audio timeline: milliseconds of audio appended since the start.

export class Listener {
  readonly #format: LiveAudioFormat;
  readonly #vad: VoiceActivityDetector;
  /** 16 kHz PCM is lifted to 24 kHz for the detector (it takes 8 or 24 kHz). */
  readonly #resampler: Resampler | undefined;
  muted = false;
  /** Set while a fixture plays: input is dropped, not replayed (§5.3). */
  deaf = false;
  #speechStartMs: number | undefined;
  /** Milliseconds of audio heard so far: the input-audio timeline's "now". */
  heardMs = 0;

  private constructor(format: LiveAudioFormat, vad: VoiceActivityDetector, resampler: Resampler | undefined) {
    this.#format = format;
    this.#vad = vad;
    this.#resampler = resampler;
  }

  static async create(format: LiveAudioFormat, silenceMs: number): Promise<Listener> {
    const rate = rateOf(format);
    const vadRate = rate === 8000 ? 8000 : 24000;
    const vad = await VoiceActivityDetector.create({ sampleRate: vadRate, threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: silenceMs });
    const resampler = rate === 16000 ? await createResampler(16000, 24000) : undefined;
    return new Listener(format, vad, resampler);
  }

  /** Whether the caller is speaking (a turn has started and not yet ended). */
  get inSpeech(): boolean {
    return this.#speechStartMs !== undefined;
  }

  /** Appended audio; returns the turns it completed, with where each started and ended. */
  hear(bytes: Uint8Array): { started: number[]; ended: { startMs: number; endMs: number }[] } {
    let samples = decodeLive(this.#format, bytes);
    this.heardMs += (samples.length / rateOf(this.#format)) * 1000;
    if (this.muted || this.deaf) samples = new Int16Array(samples.length);
    if (this.#resampler) samples = this.#resampler.process(samples);
    const out = { started: [] as number[], ended: [] as { startMs: number; endMs: number }[] };
    for (const event of this.#vad.process(samples)) this.#turn(event, out);
    return out;
  }

  #turn(event: VadEvent, out: { started: number[]; ended: { startMs: number; endMs: number }[] }): void {
    if (event.type === 'speech_started') {
      this.#speechStartMs = event.audioStartMs;
      out.started.push(event.audioStartMs);
      return;
    }
    out.ended.push({ startMs: this.#speechStartMs ?? event.audioEndMs, endMs: event.audioEndMs });
    this.#speechStartMs = undefined;
  }

  dispose(): void {
    this.#vad.dispose();
    this.#resampler?.dispose();
  }
}
