import { describe, expect, test } from 'vitest';
import { pcm16ToUlaw, ulawToPcm16 } from '../../../src/audio/g711.ts';
import { concatInt16 } from '../../../src/audio/pcm.ts';
import { DEFAULT_VAD_OPTIONS, VoiceActivityDetector, type VadEvent, type VadOptions } from '../../../src/emulator/vad.ts';
import { chunks, speechPcm } from '../../helpers/speech.ts';

type Rate = 8000 | 24000;

// Onsets and endings fvad finds hard: /h/, /θ/, a final /s/ (faint at 8 kHz), a breathy end.
const SENTENCES = ['Hello, I would like to book a table for two tonight.', 'Yes.', 'Thanks, that is all for now.', 'Shall we say six thirty?'];

/** Speech as it arrives on the wire at `rate`: 24 kHz PCM, or 8 kHz through μ-law and back. */
async function wireSpeech(text: string, rate: Rate, opts: { leadingSilenceMs?: number; trailingSilenceMs?: number; voice?: string } = {}) {
  const pcm = await speechPcm(text, { rate, ...opts });
  return rate === 8000 ? ulawToPcm16(pcm16ToUlaw(pcm)) : pcm;
}

function silence(ms: number, rate: Rate): Int16Array {
  return new Int16Array((ms * rate) / 1000);
}

function durationMs(samples: Int16Array, rate: Rate): number {
  return (samples.length * 1000) / rate;
}

async function detect(audio: Int16Array, rate: Rate, chunkMs = 20, opts: Partial<VadOptions> = {}): Promise<VadEvent[]> {
  const vad = await VoiceActivityDetector.create({ sampleRate: rate, ...DEFAULT_VAD_OPTIONS, ...opts });
  const events = chunks(audio, chunkMs, rate).flatMap((chunk) => vad.process(chunk));
  vad.dispose();
  return events;
}

function starts(events: VadEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'speech_started' ? [e.audioStartMs] : []));
}
function stops(events: VadEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'speech_stopped' ? [e.audioEndMs] : []));
}

describe.each([24000, 8000] as const)('VoiceActivityDetector at %i Hz', (rate) => {
  test.each(SENTENCES.flatMap((text) => ['alloy', 'echo', 'coral'].map((voice) => [text, voice])))(
    'one turn for "%s" (%s): start = onset - 300 ms (±40), end = speech end + 200 ms (±60)',
    async (text, voice) => {
      const speech = await wireSpeech(text, rate, { voice });
      const audio = concatInt16([silence(1000, rate), speech, silence(1000, rate)]);
      const events = await detect(audio, rate);
      expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
      expect(Math.abs(starts(events)[0] - 700)).toBeLessThanOrEqual(40);
      const speechEndMs = 1000 + durationMs(speech, rate);
      expect(Math.abs(stops(events)[0] - (speechEndMs + 200))).toBeLessThanOrEqual(60);
    },
  );

  test('an onset that is not on a 20 ms frame boundary is still placed within ±40 ms', async () => {
    for (const leadMs of [1005, 1013]) {
      const speech = await wireSpeech(SENTENCES[0], rate);
      const audio = concatInt16([silence(leadMs, rate), speech, silence(1000, rate)]);
      const events = await detect(audio, rate);
      expect(starts(events)).toHaveLength(1);
      expect(Math.abs(starts(events)[0] - (leadMs - 300))).toBeLessThanOrEqual(40);
    }
  });

  test('two sentences 600 ms apart are two turns; the second starts after the first ended', async () => {
    const first = await wireSpeech(SENTENCES[0], rate);
    const second = await wireSpeech(SENTENCES[3], rate);
    const audio = concatInt16([silence(1000, rate), first, silence(600, rate), second, silence(1000, rate)]);
    const events = await detect(audio, rate);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped', 'speech_started', 'speech_stopped']);
    const firstEnd = 1000 + durationMs(first, rate);
    const secondOnset = firstEnd + 600;
    expect(Math.abs(stops(events)[0] - (firstEnd + 200))).toBeLessThanOrEqual(60);
    expect(starts(events)[1]).toBeGreaterThanOrEqual(stops(events)[0]);
    expect(Math.abs(starts(events)[1] - (secondOnset - 300))).toBeLessThanOrEqual(40);
    expect(Math.abs(stops(events)[1] - (secondOnset + durationMs(second, rate) + 200))).toBeLessThanOrEqual(60);
  });

  test('the events do not depend on how the audio is chunked', async () => {
    const speech = await wireSpeech(SENTENCES[0], rate);
    const audio = concatInt16([silence(1000, rate), speech, silence(700, rate), speech, silence(1000, rate)]);
    const reference = await detect(audio, rate, 20);
    expect(reference).toHaveLength(4);
    for (const chunkMs of [7, 10, 1000, 100_000]) expect(await detect(audio, rate, chunkMs)).toEqual(reference);
    // Irregular sizes, as a network delivers them.
    const vad = await VoiceActivityDetector.create({ sampleRate: rate, ...DEFAULT_VAD_OPTIONS });
    const events: VadEvent[] = [];
    for (let offset = 0, i = 0; offset < audio.length; i++) {
      const size = [1, 333, 17, 2400, 0, 4801][i % 6];
      events.push(...vad.process(audio.subarray(offset, offset + size)));
      offset += size;
    }
    expect(vad.processedMs).toBeCloseTo(durationMs(audio, rate), 6);
    vad.dispose();
    expect(events).toEqual(reference);
  });

  test('silence and low noise (±50) give no events; neither does a click', async () => {
    expect(await detect(silence(5000, rate), rate)).toEqual([]);
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const noise = Int16Array.from({ length: rate * 5 }, () => Math.round(random() * 50));
    expect(await detect(noise, rate)).toEqual([]);
    const click = silence(2000, rate);
    for (let i = 0; i < rate / 200; i++) click[rate + i] = i % 2 ? 20_000 : -20_000; // 5 ms burst
    expect(await detect(click, rate)).toEqual([]);
  });
});

describe('VoiceActivityDetector timeline and settings', () => {
  test('times are on the session timeline: offsetMs is added, processedMs counts from it', async () => {
    const speech = await wireSpeech(SENTENCES[1], 24000);
    const audio = concatInt16([silence(1000, 24000), speech, silence(1000, 24000)]);
    const plain = await detect(audio, 24000);
    const shifted = await detect(audio, 24000, 20, { offsetMs: 12_345 });
    expect(starts(shifted)[0]).toBe(starts(plain)[0] + 12_345);
    expect(stops(shifted)[0]).toBe(stops(plain)[0] + 12_345);
    const vad = await VoiceActivityDetector.create({ sampleRate: 8000, ...DEFAULT_VAD_OPTIONS, offsetMs: 500 });
    expect(vad.processedMs).toBe(500);
    vad.process(silence(130, 8000));
    expect(vad.processedMs).toBe(630);
    vad.dispose();
  });

  test('prefix padding is clamped to the start of the timeline', async () => {
    const speech = await wireSpeech(SENTENCES[0], 24000, { leadingSilenceMs: 100, trailingSilenceMs: 1000 });
    expect(starts(await detect(speech, 24000))).toEqual([0]);
    expect(starts(await detect(speech, 24000, 20, { offsetMs: 5000 }))).toEqual([5000]);
  });

  test('prefixPaddingMs and silenceDurationMs are honoured', async () => {
    const speech = await wireSpeech(SENTENCES[0], 24000);
    const audio = concatInt16([silence(1000, 24000), speech, silence(1500, 24000)]);
    const base = await detect(audio, 24000);
    const custom = await detect(audio, 24000, 20, { prefixPaddingMs: 100, silenceDurationMs: 800 });
    expect(starts(custom)[0]).toBe(starts(base)[0] + 200);
    expect(stops(custom)[0]).toBe(stops(base)[0] + 600);
  });

  test('a silence window longer than the pause merges two sentences; update() applies mid-stream', async () => {
    const first = await wireSpeech(SENTENCES[0], 24000);
    const second = await wireSpeech(SENTENCES[3], 24000);
    const audio = concatInt16([silence(1000, 24000), first, silence(600, 24000), second, silence(1500, 24000)]);
    expect(await detect(audio, 24000, 20, { silenceDurationMs: 800 })).toHaveLength(2);
    const vad = await VoiceActivityDetector.create({ sampleRate: 24000, ...DEFAULT_VAD_OPTIONS });
    const head = (1000 * 24000) / 1000;
    const events = vad.process(audio.subarray(0, head));
    vad.update({ silenceDurationMs: 800 });
    events.push(...vad.process(audio.subarray(head)));
    vad.dispose();
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
  });

  test('a higher threshold ignores quiet speech that the default hears', async () => {
    const speech = await wireSpeech(SENTENCES[0], 24000, { leadingSilenceMs: 500, trailingSilenceMs: 1000 });
    const quiet = speech.map((x) => Math.round(x / 10)); // -20 dB: about -42 dBFS
    expect(await detect(quiet, 24000)).toHaveLength(2);
    expect(await detect(quiet, 24000, 20, { threshold: 0.9 })).toEqual([]);
    expect(await detect(speech, 24000, 20, { threshold: 0.9 })).toHaveLength(2);
  });

  test('reset() drops a turn in progress; the timeline runs on', async () => {
    const speech = await wireSpeech(SENTENCES[0], 24000);
    const vad = await VoiceActivityDetector.create({ sampleRate: 24000, ...DEFAULT_VAD_OPTIONS });
    const events = vad.process(concatInt16([silence(1000, 24000), speech.subarray(0, 24000)]));
    expect(events.map((e) => e.type)).toEqual(['speech_started']);
    vad.reset();
    expect(vad.process(silence(1000, 24000))).toEqual([]);
    const later = vad.process(concatInt16([speech, silence(1000, 24000)]));
    vad.dispose();
    // Speech resumes at 1000 + 1000 + 1000 ms on the timeline.
    expect(later.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    expect(Math.abs(starts(later)[0] - (3000 - 300))).toBeLessThanOrEqual(40);
  });

  test('invalid settings are refused; a disposed detector refuses work', async () => {
    const base = { sampleRate: 24000, ...DEFAULT_VAD_OPTIONS } as const;
    await expect(VoiceActivityDetector.create({ ...base, sampleRate: 16000 as 24000 })).rejects.toThrow(/8000 or 24000/);
    await expect(VoiceActivityDetector.create({ ...base, threshold: 1.5 })).rejects.toThrow(/threshold must be 0..1/);
    await expect(VoiceActivityDetector.create({ ...base, silenceDurationMs: -1 })).rejects.toThrow(/silenceDurationMs/);
    const vad = await VoiceActivityDetector.create(base);
    expect(() => vad.update({ prefixPaddingMs: Number.NaN })).toThrow(/prefixPaddingMs/);
    vad.dispose();
    vad.dispose();
    expect(() => vad.process(new Int16Array(480))).toThrow(/after dispose/);
  });
});
