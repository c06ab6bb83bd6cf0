import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import ESpeakNg from 'espeak-ng';
import { afterAll, describe, expect, test } from 'vitest';
import { rms } from '../../../src/audio/pcm.ts';
import { resample } from '../../../src/audio/resampler.ts';
import { parseWav } from '../../../src/audio/wav.ts';
import {
  espeakVoice,
  MAX_TEXT_CHARS,
  REALTIME_VOICES,
  splitSentences,
  SpeechSynthesizer,
  SynthWorkerPool,
  wordsPerMinute,
} from '../../../src/emulator/speech/index.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const synth = SpeechSynthesizer.create({ workers: 2 });
afterAll(() => synth.close());

function dbfs(samples: Int16Array): number {
  return 20 * Math.log10(rms(samples) / 32768);
}

function correlation(a: Int16Array, b: Int16Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

function sameSamples(a: Int16Array, b: Int16Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Median fundamental frequency of the loud 40 ms frames, by autocorrelation. */
function medianPitchHz(samples: Int16Array, rate: number): number {
  const frame = rate * 0.04;
  const pitches: number[] = [];
  for (let start = 0; start + frame <= samples.length; start += frame) {
    const f = samples.subarray(start, start + frame);
    if (rms(f) < 1000) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.floor(rate / 400); lag <= rate / 60; lag++) {
      let corr = 0;
      let energy = 1;
      for (let i = 0; i + lag < f.length; i++) {
        corr += f[i] * f[i + lag];
        energy += f[i + lag] * f[i + lag];
      }
      if (corr / Math.sqrt(energy) > best) [best, bestLag] = [corr / Math.sqrt(energy), lag];
    }
    pitches.push(rate / bestLag);
  }
  pitches.sort((a, b) => a - b);
  return pitches[pitches.length >> 1];
}

describe('SpeechSynthesizer', () => {
  test('gives audible speech of a plausible level and length for the text', async () => {
    const samples = await synth.synthesize(SENTENCE);
    const seconds = samples.length / 24_000;
    // 9 words at 175 words per minute is ~3.1 s of speech.
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(4.5);
    expect(dbfs(samples)).toBeGreaterThan(-35);
    expect(dbfs(samples)).toBeLessThan(-10);
    // Speech, not a tone or a block of noise: loud and quiet 20 ms frames alternate.
    const levels = [];
    for (let i = 0; i + 480 <= samples.length; i += 480) levels.push(dbfs(samples.subarray(i, i + 480)));
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(30);
  });

  test('is eSpeak-NG at 22.05 kHz resampled to 24 kHz: length = n x 24000 / 22050', async () => {
    const args = ['-v', espeakVoice('alloy'), '-s', String(wordsPerMinute(1)), '-w', '/out.wav', '--', SENTENCE];
    const espeak = await ESpeakNg({ arguments: args, print: () => {}, printErr: () => {} });
    const raw = parseWav(espeak.FS.readFile('/out.wav'));
    expect(raw.sampleRate).toBe(22_050);
    const samples = await synth.synthesize(SENTENCE, { voice: 'alloy' });
    expect(samples).toHaveLength(Math.round((raw.samples.length * 24_000) / 22_050));
    // Not sample-exact: eSpeak-NG's breath noise is seeded from the clock.
    expect(correlation(samples, await resample(raw.samples, 22_050, 24_000))).toBeGreaterThan(0.98);
  });

  test('different voices sound different: distinct audio, female variants pitched higher', async () => {
    const byVoice = await Promise.all(REALTIME_VOICES.map((voice) => synth.synthesize('Good morning.', { voice })));
    for (let a = 0; a < byVoice.length; a++) {
      for (let b = a + 1; b < byVoice.length; b++) {
        expect(correlation(byVoice[a], byVoice[b]), `${REALTIME_VOICES[a]} vs ${REALTIME_VOICES[b]}`).toBeLessThan(0.9);
      }
    }
    const coral = medianPitchHz(await synth.synthesize(SENTENCE, { voice: 'coral' }), 24_000);
    const echo = medianPitchHz(await synth.synthesize(SENTENCE, { voice: 'echo' }), 24_000);
    expect(coral).toBeGreaterThan(echo * 1.4);
  });

  test('speed changes the duration; unknown voices fall back to the default', async () => {
    const normal = await synth.synthesize(SENTENCE);
    const fast = await synth.synthesize(SENTENCE, { speed: 1.5 });
    const slow = await synth.synthesize(SENTENCE, { speed: 0.6 });
    expect(fast.length).toBeLessThan(normal.length * 0.8);
    expect(slow.length).toBeGreaterThan(normal.length * 1.3);
    // Same eSpeak-NG request, so the second is a cache hit of the first.
    const alloy = await synth.synthesize(SENTENCE, { voice: 'alloy' });
    expect(sameSamples(await synth.synthesize(SENTENCE, { voice: 'nobody' }), alloy)).toBe(true);
  });

  test('empty or whitespace text gives no samples, without reaching eSpeak-NG', async () => {
    // A closed synthesizer rejects every call that would reach a worker.
    const closed = SpeechSynthesizer.create();
    await closed.close();
    expect(await closed.synthesize('')).toHaveLength(0);
    expect(await closed.synthesize(' \n\t\u0000 ')).toHaveLength(0);
  });

  test('text is an argument, never an option or a shell word; control characters are stripped', async () => {
    const dashes = await synth.synthesize('--help -w /etc/passwd');
    expect(dashes.length).toBeGreaterThan(24_000 * 0.5);
    const clean = await synth.synthesize('Hello world');
    expect(sameSamples(await synth.synthesize('Hello\u0000 world\u0007'), clean)).toBe(true);
    expect((await synth.synthesize('$(echo hi); `ls` | cat')).length).toBeGreaterThan(0);
  });

  test(`text over ${MAX_TEXT_CHARS} characters is refused with a clear error`, async () => {
    await expect(synth.synthesize('a '.repeat(MAX_TEXT_CHARS))).rejects.toThrow(/limit is 2000/);
  });

  test('synthesis leaves the main thread idle: it runs in a worker', async () => {
    const fresh = SpeechSynthesizer.create({ workers: 1, cacheEntries: 0 });
    await fresh.synthesize('Warm up.');
    // Event-loop utilisation counts only time this thread spends running code, not time it waits
    // (nor time the machine is busy elsewhere): eSpeak-NG on this thread would keep it near 1.
    const before = performance.eventLoopUtilization();
    await Promise.all(['First one.', 'Then a second sentence.', 'And the third.'].map((t) => fresh.synthesize(t)));
    const used = performance.eventLoopUtilization(before);
    await fresh.close();
    expect(used.utilization).toBeLessThan(0.5);
  });

  test('a cache hit gives the same speech as an independent copy', async () => {
    // (How fast a hit is, is measured by bench/audio.ts, not asserted here.)
    const text = 'Caching makes repeats cheap.';
    const first = await synth.synthesize(text, { voice: 'sage' });
    const kept = first.slice();
    first.fill(0);
    const again = await synth.synthesize(text, { voice: 'sage' });
    expect(sameSamples(again, kept)).toBe(true);
    expect(rms(again)).toBeGreaterThan(100);
  });

  test('after close, calls reject', async () => {
    const fresh = SpeechSynthesizer.create();
    await fresh.close();
    await expect(fresh.synthesize('Too late.')).rejects.toThrow(/closed/);
  });

  test('an idle synthesizer never keeps the process alive; a busy one does until done', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vg-speech-'));
    const script = join(dir, 'main.mts');
    const entry = new URL('../../../src/emulator/speech/index.ts', import.meta.url).href;
    // No close(): the process must still exit once the awaited result is in.
    writeFileSync(script, `import { SpeechSynthesizer } from ${JSON.stringify(entry)};\n` +
      `const samples = await SpeechSynthesizer.create().synthesize('Exit by yourself.');\n` +
      `console.log('samples', samples.length);\n`);
    const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(Number(/samples (\d+)/.exec(run.stdout)?.[1])).toBeGreaterThan(10_000);
  });
});

describe('SynthWorkerPool', () => {
  // A stand-in worker: answers with 10 samples, crashes on "crash", exits on "exit".
  const FAKE = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => {
      if (m.text === 'crash') throw new Error('boom');
      if (m.text === 'exit') process.exit(3);
      setTimeout(() => parentPort.postMessage({ id: m.id, samples: new Int16Array(10).fill(m.text.length) }), 5);
    });`;
  const request = (text: string) => ({ text, voice: 'en-us', wordsPerMinute: 175 });

  test('a crashed worker rejects its call with a clear error and is replaced', async () => {
    let started = 0;
    const pool = new SynthWorkerPool({ size: 1, createWorker: () => (started++, new Worker(FAKE, { eval: true })) });
    const crashed = pool.run(request('crash'));
    const queued = pool.run(request('after'));
    await expect(crashed).rejects.toThrow('speech synthesis worker crashed: boom');
    expect([...(await queued)]).toEqual(new Array(10).fill(5));
    await expect(pool.run(request('exit'))).rejects.toThrow('speech synthesis worker exited with code 3');
    expect((await pool.run(request('ok'))).length).toBe(10);
    expect(started).toBe(3);
    await pool.close();
  });

  test('requests are served first come, first served', async () => {
    const pool = new SynthWorkerPool({ size: 1, createWorker: () => new Worker(FAKE, { eval: true }) });
    const order: string[] = [];
    await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((t) => pool.run(request(t)).then(() => order.push(t))));
    expect(order).toEqual(['a', 'bb', 'ccc', 'dddd']);
    await pool.close();
  });

  test('close rejects queued and running calls', async () => {
    const pool = new SynthWorkerPool({ size: 1, createWorker: () => new Worker(FAKE, { eval: true }) });
    const running = expect(pool.run(request('one'))).rejects.toThrow(/closed/);
    const queued = expect(pool.run(request('two'))).rejects.toThrow(/closed/);
    await pool.close();
    await running;
    await queued;
  });
});

describe('voices', () => {
  test('each Realtime voice has its own eSpeak-NG variant; unknown names get the default', () => {
    const variants = REALTIME_VOICES.map(espeakVoice);
    expect(new Set(variants).size).toBe(REALTIME_VOICES.length);
    expect(espeakVoice('not-a-voice')).toBe(espeakVoice('alloy'));
    expect(espeakVoice(undefined)).toBe(espeakVoice('alloy'));
  });

  test('speed maps to words per minute around 175, clamped to 0.25..1.5 and eSpeak-NG floor', () => {
    expect(wordsPerMinute()).toBe(175);
    expect(wordsPerMinute(1.5)).toBe(263);
    expect(wordsPerMinute(9)).toBe(263);
    expect(wordsPerMinute(0.6)).toBe(105);
    expect(wordsPerMinute(0.25)).toBe(80);
    expect(wordsPerMinute(Number.NaN)).toBe(175);
  });
});

describe('splitSentences', () => {
  test('splits at sentence ends and line breaks, keeping the punctuation', () => {
    expect(splitSentences('Hello there! How are you? I am fine.')).toEqual(['Hello there!', 'How are you?', 'I am fine.']);
    expect(splitSentences('First line\nSecond line.\n\nThird…  Fourth')).toEqual(['First line', 'Second line.', 'Third…', 'Fourth']);
    expect(splitSentences('He said "Stop." Then left.')).toEqual(['He said "Stop."', 'Then left.']);
  });

  test('does not split after abbreviations or inside numbers', () => {
    expect(splitSentences('Dr. Smith paid $3.50, e.g. cash. Done.')).toEqual(['Dr. Smith paid $3.50, e.g. cash.', 'Done.']);
  });

  test('drops empty pieces and cuts over-long ones to fit the synthesizer', () => {
    expect(splitSentences('  \n . ')).toEqual(['.']);
    expect(splitSentences('')).toEqual([]);
    const long = 'word '.repeat(900);
    const pieces = splitSentences(long);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    expect(pieces.join(' ')).toBe(long.trim());
  });
});
