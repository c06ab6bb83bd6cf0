import { describe, expect, test } from 'vitest';
import { concatInt16, rms } from '../../../src/audio/pcm.ts';
import { createResampler, resample, resamplerHeapBytes } from '../../../src/audio/resampler.ts';

function sine(rate: number, hz: number, ms: number, amplitude = 10_000): Int16Array {
  return Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}

/** Power at `hz` by the Goertzel algorithm, as an amplitude. */
function amplitudeAt(samples: Int16Array, rate: number, hz: number): number {
  const w = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(s1 * s1 + s2 * s2 - coeff * s1 * s2)) / samples.length;
}

function zeroCrossings(samples: Int16Array): number {
  let count = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] < 0) !== (samples[i] < 0)) count++;
  return count;
}

/** The middle, away from the start-up and end transients. */
function middle(samples: Int16Array, rate: number): Int16Array {
  const margin = rate / 20;
  return samples.subarray(margin, samples.length - margin);
}

describe('resample (one-shot)', () => {
  test('a 1 kHz sine through 24k -> 16k -> 24k keeps its frequency and amplitude', async () => {
    const input = sine(24_000, 1000, 1000);
    const down = await resample(input, 24_000, 16_000);
    const back = await resample(down, 16_000, 24_000);
    expect(down).toHaveLength(16_000);
    expect(back).toHaveLength(24_000);
    // 1000 Hz over 0.9 s: 1800 zero crossings at either rate.
    expect(zeroCrossings(middle(down, 16_000))).toBeCloseTo(1800, -1);
    expect(zeroCrossings(middle(back, 24_000))).toBeCloseTo(1800, -1);
    expect(amplitudeAt(middle(down, 16_000), 16_000, 1000)).toBeCloseTo(10_000, -2);
    expect(amplitudeAt(middle(back, 24_000), 24_000, 1000)).toBeCloseTo(10_000, -2);
    // Sample by sample, the round trip is the input again (well within 1% of the amplitude).
    const a = middle(input, 24_000);
    const b = middle(back, 24_000);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(100);
  });

  test.each([
    [8_000, 24_000],
    [24_000, 8_000],
    [22_050, 24_000],
    [48_000, 24_000],
    [24_000, 16_000],
    [44_100, 16_000],
  ])('%i -> %i Hz: output length is input x out/in, tail included', async (inRate, outRate) => {
    for (const length of [1, 333, inRate]) {
      const out = await resample(new Int16Array(length).fill(1000), inRate, outRate);
      expect(out).toHaveLength(Math.round((length * outRate) / inRate));
    }
  });

  test('adds no delay: a tone burst starts at the same time after conversion', async () => {
    const input = concatInt16([new Int16Array(2400), sine(24_000, 500, 100)]);
    const out = await resample(input, 24_000, 16_000);
    const firstLoud = out.findIndex((x) => Math.abs(x) > 500);
    // The burst starts at 100 ms = sample 1600 at 16 kHz; its first loud sample is ~0.6 ms later.
    expect(firstLoud).toBeGreaterThanOrEqual(1600 - 3);
    expect(firstLoud).toBeLessThanOrEqual(1600 + 15);
  });

  test('removes what the new rate cannot carry: a 10 kHz tone does not alias into 24k -> 16k', async () => {
    const out = await resample(sine(24_000, 10_000, 500), 24_000, 16_000);
    expect(rms(middle(out, 16_000))).toBeLessThan(10_000 * 0.01);
    // 8 kHz -> 24 kHz puts nothing at the 5 kHz image of a 3 kHz tone.
    const up = await resample(sine(8_000, 3_000, 500), 8_000, 24_000);
    expect(amplitudeAt(middle(up, 24_000), 24_000, 3_000)).toBeCloseTo(10_000, -3);
    expect(amplitudeAt(middle(up, 24_000), 24_000, 5_000)).toBeLessThan(100);
  });

  test('same rates return the input untouched', async () => {
    const input = sine(24_000, 440, 10);
    expect(await resample(input, 24_000, 24_000)).toBe(input);
  });
});

describe('createResampler (streaming)', () => {
  test.each([
    [24_000, 16_000],
    [48_000, 24_000],
    [8_000, 24_000],
  ])('%i -> %i Hz in 10 ms chunks equals one-shot', async (inRate, outRate) => {
    const input = sine(inRate, 700, 1000);
    const oneShot = await resample(input, inRate, outRate);
    const resampler = await createResampler(inRate, outRate);
    const parts: Int16Array[] = [];
    for (let i = 0; i < input.length; i += inRate / 100) parts.push(resampler.process(input.subarray(i, i + inRate / 100)));
    parts.push(resampler.flush());
    resampler.dispose();
    const streamed = concatInt16(parts);
    expect(streamed).toHaveLength(oneShot.length);
    let worst = 0;
    for (let i = 0; i < streamed.length; i++) worst = Math.max(worst, Math.abs(streamed[i] - oneShot[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('odd chunk sizes, including empty and larger than its block, give the same stream', async () => {
    const input = sine(24_000, 300, 1000);
    const reference = await resample(input, 24_000, 16_000);
    const resampler = await createResampler(24_000, 16_000);
    const parts: Int16Array[] = [];
    let offset = 0;
    for (const size of [7, 0, 1, 9000, 163, 5000]) {
      parts.push(resampler.process(input.subarray(offset, offset + size)));
      offset += size;
    }
    parts.push(resampler.process(input.subarray(offset)), resampler.flush());
    resampler.dispose();
    expect(concatInt16(parts)).toEqual(reference);
  });

  test('flush ends the stream and starts afresh: a second stream equals the first', async () => {
    const input = sine(24_000, 1000, 200);
    const resampler = await createResampler(24_000, 8_000);
    const first = concatInt16([resampler.process(input), resampler.flush()]);
    const second = concatInt16([resampler.process(input), resampler.flush()]);
    resampler.dispose();
    expect(second).toEqual(first);
  });

  test('same rates are a pass-through', async () => {
    const resampler = await createResampler(16_000, 16_000);
    const input = sine(16_000, 440, 10);
    expect(resampler.process(input)).toBe(input);
    expect(resampler.flush()).toHaveLength(0);
    resampler.dispose();
  });

  test('bad rates and qualities are refused', async () => {
    await expect(createResampler(0, 16_000)).rejects.toThrow(/inRate must be a positive integer/);
    await expect(createResampler(24_000, 16_000.5)).rejects.toThrow(/outRate/);
    await expect(createResampler(24_000, 16_000, 11)).rejects.toThrow(/quality must be an integer 0..10/);
  });

  test('use after dispose throws; dispose twice is harmless', async () => {
    const resampler = await createResampler(24_000, 16_000);
    resampler.dispose();
    resampler.dispose();
    expect(() => resampler.process(new Int16Array(10))).toThrow(/after dispose/);
  });

  test('2000 create/dispose cycles do not grow the WASM heap', async () => {
    // At quality 10 a 22.05k -> 24k state holds a ~32 KB filter table, and every resampler
    // ~12 KB of scratch: leaking either, 2000 of them would outgrow the 16 MB initial heap.
    const chunk = sine(22_050, 440, 10);
    const warm = await createResampler(22_050, 24_000, 10);
    warm.process(chunk);
    warm.dispose();
    const before = await resamplerHeapBytes();
    for (let i = 0; i < 2000; i++) {
      const resampler = await createResampler(22_050, 24_000, 10);
      resampler.process(chunk);
      resampler.dispose();
    }
    expect(await resamplerHeapBytes()).toBe(before);
  });
});
