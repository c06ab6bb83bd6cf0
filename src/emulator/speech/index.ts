export { SpeechSynthesizer, type SpeechSynthesizerOptions, type SynthesizeOptions } from './synthesizer.ts';
export { splitSentences } from './sentences.ts';
export { cleanText, MAX_TEXT_CHARS } from './text.ts';
export {
  BASE_WORDS_PER_MINUTE,
  DEFAULT_VOICE,
  espeakVoice,
  MAX_SPEED,
  MIN_SPEED,
  REALTIME_VOICES,
  type RealtimeVoice,
  wordsPerMinute,
} from './voices.ts';
export { SYNTH_RATE_HZ } from './worker-messages.ts';
export { SynthWorkerPool, type SynthWorkerPoolOptions } from './worker-pool.ts';
