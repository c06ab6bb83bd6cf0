// The messages between SpeechSynthesizer's pool and synth-worker.ts.

export interface SynthRequest {
  id: number;
  /** Already cleaned (cleanText) and non-empty. */
  text: string;
  /** An eSpeak-NG `-v` value (voices.ts). */
  voice: string;
  wordsPerMinute: number;
}

export type SynthReply =
  | { id: number; samples: Int16Array /* PCM16 mono at SYNTH_RATE_HZ, buffer transferred */ }
  | { id: number; error: string };

/** The synthesizer's output rate: the Realtime PCM rate. */
export const SYNTH_RATE_HZ = 24_000;
