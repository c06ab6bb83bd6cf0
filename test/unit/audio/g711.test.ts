import { describe, expect, test } from 'vitest';
import { alawToPcm16, pcm16ToAlaw, pcm16ToUlaw, ulawToPcm16 } from '../../../src/audio/g711.ts';

const EVERY_SAMPLE = Int16Array.from({ length: 65_536 }, (_, i) => i - 32_768);
const EVERY_BYTE = Uint8Array.from({ length: 256 }, (_, i) => i);

function snrDb(reference: Int16Array, actual: Int16Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i] ** 2;
    noise += (actual[i] - reference[i]) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

function sine(amplitude: number, length = 8000): Int16Array {
  return Int16Array.from({ length }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 8000)));
}

describe.each([
  { law: 'μ-law', encode: pcm16ToUlaw, decode: ulawToPcm16, peak: 32_124, silence: 0xff },
  { law: 'A-law', encode: pcm16ToAlaw, decode: alawToPcm16, peak: 32_256, silence: 0xd5 },
])('$law', ({ encode, decode, peak, silence }) => {
  test('one byte per sample, both ways', () => {
    expect(encode(new Int16Array(160))).toHaveLength(160);
    expect(decode(new Uint8Array(160))).toHaveLength(160);
  });

  test('round trip error is within the companding step: ≤ 8 near zero, ≤ 5% elsewhere', () => {
    const back = decode(encode(EVERY_SAMPLE));
    const violations: string[] = [];
    for (let i = 0; i < EVERY_SAMPLE.length; i++) {
      const x = EVERY_SAMPLE[i];
      const err = Math.abs(back[i] - x);
      const ok = Math.abs(x) < 256 ? err <= 8 : Math.abs(x) <= peak ? err <= 0.05 * Math.abs(x) : Math.abs(back[i]) === peak;
      if (!ok) violations.push(`${x} -> ${back[i]}`);
    }
    expect(violations).toEqual([]);
  });

  test('spans ±peak symmetrically, and a louder sample never decodes quieter', () => {
    const values = [...decode(EVERY_BYTE)].sort((a, b) => a - b);
    expect(values[0]).toBe(-peak);
    expect(values[255]).toBe(peak);
    expect(values.map((v) => (v === 0 ? 0 : -v)).sort((a, b) => a - b)).toEqual(values);
    const back = decode(encode(EVERY_SAMPLE));
    let reorderings = 0;
    for (let i = 1; i < back.length; i++) if (back[i] < back[i - 1]) reorderings++;
    expect(reorderings).toBe(0);
  });

  test('re-encoding a decoded byte gives a byte that decodes to the same value', () => {
    const decoded = decode(EVERY_BYTE);
    expect(decode(encode(decoded))).toEqual(decoded);
  });

  test('the protocol silence byte decodes to (near) zero', () => {
    expect(Math.abs(decode(Uint8Array.of(silence))[0])).toBeLessThanOrEqual(8);
  });

  test('a speech-level sine keeps ≥ 35 dB SNR; a quiet one ≥ 25 dB', () => {
    const loud = sine(10_000);
    const quiet = sine(300);
    expect(snrDb(loud, decode(encode(loud)))).toBeGreaterThan(35);
    expect(snrDb(quiet, decode(encode(quiet)))).toBeGreaterThan(25);
  });
});
