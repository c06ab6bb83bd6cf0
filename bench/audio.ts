// Throughput of the audio hot paths: G.711, resampling, VAD, speech synthesis.
// Run: npx tsx bench/audio.ts
import { pcm16ToUlaw, ulawToPcm16 } from '../src/audio/g711.ts';
import { concatInt16 } from '../src/audio/pcm.ts';
import { createResampler, resample } from '../src/audio/resampler.ts';
import { SpeechSynthesizer, SYNTH_RATE_HZ } from '../src/emulator/speech/index.ts';
import { DEFAULT_VAD_OPTIONS, VoiceActivityDetector } from '../src/emulator/vad.ts';

const SENTENCES = [
  'Welcome to the front desk, how can I help you today?',
  'Could you please provide your first name?',
  'Thank you, I have found your booking.',
  'Your room is on the third floor, next to the elevators.',
  'Breakfast is served from seven until ten in the morning.',
  'Is there anything else I can do for you?',
  'The museum opens at nine and closes at five.',
  'Let me transfer you to our tour guide.',
  'Please hold for a moment while I check.',
  'Have a wonderful stay.',
];

function sine(rate: number, seconds: number): Int16Array {
  return Int16Array.from({ length: rate * seconds }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
}

function split<T extends Int16Array | Uint8Array>(data: T, size: number): T[] {
  const out: T[] = [];
  for (let i = 0; i + size <= data.length; i += size) out.push(data.subarray(i, i + size) as T);
  return out;
}

/** Runs `fn` over every chunk (after a warm-up pass) and reports per-chunk cost and x-realtime. */
function perChunk<T>(label: string, chunks: T[], chunkMs: number, fn: (chunk: T) => unknown): void {
  for (const chunk of chunks) fn(chunk);
  const started = process.hrtime.bigint();
  for (const chunk of chunks) fn(chunk);
  const ns = Number(process.hrtime.bigint() - started) / chunks.length;
  const realtime = (chunkMs * 1e6) / ns;
  console.log(`${label.padEnd(44)} ${ns.toFixed(0).padStart(8)} ns/chunk  ${realtime.toFixed(0).padStart(7)}x realtime`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.arch}\n`);

  const ulaw = pcm16ToUlaw(sine(8000, 60));
  perChunk('μ-law decode, 20 ms (160 B)', split(ulaw, 160), 20, ulawToPcm16);
  perChunk('μ-law encode, 20 ms (160 samples)', split(sine(8000, 60), 160), 20, pcm16ToUlaw);

  for (const [inRate, outRate] of [[24_000, 16_000], [48_000, 24_000], [8_000, 24_000]] as const) {
    const resampler = await createResampler(inRate, outRate);
    perChunk(`resample ${inRate / 1000}k -> ${outRate / 1000}k, 10 ms chunks`, split(sine(inRate, 60), inRate / 100), 10, (c) => resampler.process(c));
    resampler.dispose();
  }

  const synth = SpeechSynthesizer.create({ workers: 1 });
  const speech24 = await Promise.all(SENTENCES.slice(0, 4).map((text) => synth.synthesize(text)));
  const turns = concatInt16(speech24.flatMap((s) => [s, new Int16Array(SYNTH_RATE_HZ)]));
  const turns8 = await resample(turns, 24_000, 8_000);
  for (const [rate, audio] of [[24_000, turns], [8_000, turns8]] as const) {
    const vad = await VoiceActivityDetector.create({ sampleRate: rate, ...DEFAULT_VAD_OPTIONS });
    perChunk(`VAD at ${rate / 1000} kHz, 20 ms frames (speech + pauses)`, split(audio, rate / 50), 20, (c) => vad.process(c));
    vad.dispose();
  }

  // Latency as a caller sees it: one worker, sentences one at a time; the first includes the
  // worker start, so it is reported apart.
  const cold = SpeechSynthesizer.create({ workers: 1 });
  let started = performance.now();
  await cold.synthesize('Warming up.');
  console.log(`\nsynthesize, first call (starts the worker)    ${(performance.now() - started).toFixed(0)} ms`);
  const miss: number[] = [];
  const hit: number[] = [];
  let audioMs = 0;
  for (const text of SENTENCES) {
    started = performance.now();
    audioMs += (await cold.synthesize(text)).length / 24;
    miss.push(performance.now() - started);
  }
  for (const text of SENTENCES) {
    started = performance.now();
    await cold.synthesize(text);
    hit.push(performance.now() - started);
  }
  const report = (label: string, values: number[], digits: number) =>
    console.log(`${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(digits)} ms  p90 ${percentile(values, 90).toFixed(digits)} ms`);
  report(`synthesize, cache miss (${SENTENCES.length} sentences)`, miss, 0);
  report('synthesize, cache hit', hit, 3);
  const missTotal = miss.reduce((a, b) => a + b, 0);
  console.log(`synthesize throughput, 1 worker               ${(audioMs / missTotal).toFixed(1)}x realtime (${(audioMs / 1000).toFixed(1)} s of audio)`);
  await Promise.all([synth.close(), cold.close()]);
}

await main();
