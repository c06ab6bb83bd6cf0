// Realtime voice names -> eSpeak-NG voice variants, so different agents sound different.
// Every variant here exists in the bundled build (`espeak-ng --voices=variant`); the klatt
// ones do not work there (built without klatt), so none is used.

export const REALTIME_VOICES = [
  'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar',
] as const;
export type RealtimeVoice = (typeof REALTIME_VOICES)[number];

const ESPEAK_VARIANTS: Record<RealtimeVoice, string> = {
  alloy: 'en-us+f3',
  ash: 'en-us+m3',
  ballad: 'en-us+m7',
  coral: 'en-us+f2',
  echo: 'en-us+m1',
  sage: 'en-us+f4',
  shimmer: 'en-us+f5',
  verse: 'en-us+m5',
  marin: 'en-us+steph',
  cedar: 'en-us+m2',
};

export const DEFAULT_VOICE: RealtimeVoice = 'alloy';

/** The eSpeak-NG `-v` argument for a Realtime voice name; unknown names get the default's. */
export function espeakVoice(voice: string | undefined): string {
  const known = REALTIME_VOICES.find((name) => name === voice);
  return ESPEAK_VARIANTS[known ?? DEFAULT_VOICE];
}

/** eSpeak-NG's default rate, heard as Realtime speed 1. */
export const BASE_WORDS_PER_MINUTE = 175;
/** eSpeak-NG clamps slower rates to this, so speeds below ~0.46 all sound like 0.46. */
const MIN_WORDS_PER_MINUTE = 80;
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 1.5;

/** The eSpeak-NG `-s` argument for a Realtime `speed` (0.25..1.5, default 1; clamped). */
export function wordsPerMinute(speed = 1): number {
  const clamped = Number.isFinite(speed) ? Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed)) : 1;
  return Math.max(MIN_WORDS_PER_MINUTE, Math.round(BASE_WORDS_PER_MINUTE * clamped));
}
