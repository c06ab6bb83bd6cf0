// Real speech fixtures for tests: eSpeak-NG through the emulator's SpeechSynthesizer, trimmed
// so that `leadingSilenceMs` / `trailingSilenceMs` are exact, at any test rate.
import { concatInt16, rms } from '../../src/audio/pcm.ts';
import { resample } from '../../src/audio/resampler.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { SpeechSynthesizer, SYNTH_RATE_HZ } from '../../src/emulator/speech/index.ts';

export type SpeechRate = 8000 | 16000 | 24000 | 48000;

export interface SpeechOptions {
  /** Output sample rate; default 24000. */
  rate?: SpeechRate;
  /** Digital silence before the first audible sample. */
  leadingSilenceMs?: number;
  /** Digital silence after the last audible sample. */
  trailingSilenceMs?: number;
  /** A Realtime voice name. */
  voice?: string;
}

/**
 * Trimming keeps audio from the first to the last 5 ms window louder than -40 dBFS RMS. That
 * drops eSpeak's own lead-in and the breath noise (-44..-61 dBFS, up to ~150 ms, sometimes
 * after a short gap) that the breathy variants add after a sentence, so the "speech end" tests
 * measure against is where the words end. Word sounds themselves stay above it (a final /s/
 * at 24 kHz is about -33..-38 dBFS).
 */
const TRIM_WINDOW_MS = 5;
const TRIM_RMS = 32768 * 10 ** (-40 / 20);

let shared: SpeechSynthesizer | undefined;
const cache = new Map<string, Promise<Int16Array>>();

function synthesizer(): SpeechSynthesizer {
  if (!shared) {
    const synth = SpeechSynthesizer.create({ workers: 2 });
    shared = synth;
    process.once('beforeExit', () => {
      shared = undefined;
      void synth.close();
    });
  }
  return shared;
}

/** Speech for `text` as PCM16 mono; cached per arguments, and each call gets its own copy. */
export async function speechPcm(text: string, opts: SpeechOptions = {}): Promise<Int16Array> {
  const { rate = 24000, leadingSilenceMs = 0, trailingSilenceMs = 0, voice } = opts;
  const key = JSON.stringify([text, rate, leadingSilenceMs, trailingSilenceMs, voice ?? null]);
  let pending = cache.get(key);
  if (!pending) {
    pending = render(text, rate, leadingSilenceMs, trailingSilenceMs, voice);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return (await pending).slice();
}

/** The same speech as a mono 16-bit WAV file (e.g. 48 kHz for Chromium's fake microphone). */
export async function speechWav(text: string, opts: SpeechOptions = {}): Promise<Buffer> {
  return encodeWav(await speechPcm(text, opts), opts.rate ?? 24000);
}

/** Consecutive views of `ms` each (the last may be shorter), as a client would stream them. */
export function chunks(samples: Int16Array, ms: number, rate: number): Int16Array[] {
  const size = Math.round((ms * rate) / 1000);
  if (size < 1) throw new RangeError(`a ${ms} ms chunk at ${rate} Hz holds no whole sample`);
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += size) out.push(samples.subarray(i, i + size));
  return out;
}

async function render(
  text: string,
  rate: SpeechRate,
  leadingSilenceMs: number,
  trailingSilenceMs: number,
  voice: string | undefined,
): Promise<Int16Array> {
  const speech = trimSilence(await synthesizer().synthesize(text, { voice }));
  const atRate = await resample(speech, SYNTH_RATE_HZ, rate);
  const silence = (ms: number) => new Int16Array(Math.round((ms * rate) / 1000));
  return concatInt16([silence(leadingSilenceMs), atRate, silence(trailingSilenceMs)]);
}

function trimSilence(samples: Int16Array): Int16Array {
  const window = (TRIM_WINDOW_MS * SYNTH_RATE_HZ) / 1000;
  const loud = (at: number) => rms(samples.subarray(at, at + window)) > TRIM_RMS;
  let start = 0;
  while (start < samples.length && !loud(start)) start += window;
  let end = Math.ceil(samples.length / window) * window;
  while (end > start && !loud(end - window)) end -= window;
  return samples.subarray(start, Math.min(end, samples.length));
}
