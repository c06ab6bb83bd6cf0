import { sampleRateOf, type AudioFormat } from '../audio/format.ts';
import { decodeAudio } from '../audio/codec.ts';
import type { TurnDetection } from './protocol/session-config.ts';
import { VoiceActivityDetector, type VadEvent } from './vad.ts';

// Keeps one voice-activity detector in step with the session's `turn_detection` and input
// format: made when turn detection is on, retuned in place when only its settings change,
// remade on the new format's rate, dropped for push-to-talk (`turn_detection: null`).

/**
 * semantic_vad has no silence setting; the emulator treats it as server_vad whose end-of-turn
 * silence follows `eagerness` (a real turn model waits longer for a trailing "uhm").
 */
const SEMANTIC_SILENCE_MS = { low: 800, medium: 500, auto: 500, high: 300 } as const;

interface VadSettings {
  sampleRate: 8000 | 24000;
  threshold: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

function vadSettings(config: TurnDetection, format: AudioFormat): VadSettings {
  const sampleRate = sampleRateOf(format) === 24_000 ? 24000 : 8000;
  if (config.type === 'semantic_vad') {
    return { sampleRate, threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: SEMANTIC_SILENCE_MS[config.eagerness] };
  }
  return { sampleRate, threshold: config.threshold, prefixPaddingMs: config.prefix_padding_ms, silenceDurationMs: config.silence_duration_ms };
}

export class TurnDetector {
  #vad: VoiceActivityDetector | null = null;
  #format: AudioFormat | null = null;
  /**
   * The turn in progress: `speech_started` announced the id its user item will have (§4.2),
   * and where its audio starts on the timeline.
   */
  pending: { itemId: string; audioStartMs: number } | null = null;

  /** `timelineMs` is where a new detector starts on the session's appended-audio timeline. */
  async configure(config: TurnDetection | null, format: AudioFormat, timelineMs: number): Promise<void> {
    if (!config) {
      this.dispose();
      return;
    }
    const settings = vadSettings(config, format);
    if (this.#vad && this.#format && sampleRateOf(this.#format) === settings.sampleRate) {
      this.#vad.update(settings);
      this.#format = format;
      return;
    }
    this.dispose();
    this.#vad = await VoiceActivityDetector.create({ ...settings, offsetMs: timelineMs });
    this.#format = format;
  }

  process(bytes: Uint8Array): VadEvent[] {
    if (!this.#vad || !this.#format || bytes.byteLength === 0) return [];
    return this.#vad.process(decodeAudio(this.#format, bytes));
  }

  /** Forgets a turn in progress (buffer cleared or committed by hand); the timeline runs on. */
  reset(): void {
    this.#vad?.reset();
    this.pending = null;
  }

  dispose(): void {
    this.#vad?.dispose();
    this.#vad = null;
    this.#format = null;
    this.pending = null;
  }
}
