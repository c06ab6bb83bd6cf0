import { describe, expect, test } from 'vitest';
import { decodeAudio, encodeAudio, silenceBytes } from '../../../src/audio/codec.ts';
import { bytesPerMs, durationMs, sampleRateOf, type AudioFormat } from '../../../src/audio/format.ts';

const PCM: AudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: AudioFormat = { type: 'audio/pcmu' };
const PCMA: AudioFormat = { type: 'audio/pcma' };

function tone(rate: number, ms: number): Int16Array {
  return Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)));
}

describe.each([
  { name: 'PCM16 (explicit)', format: PCM as AudioFormat | undefined, tolerance: 0 },
  { name: 'PCM16 (absent format = protocol default)', format: undefined, tolerance: 0 },
  { name: 'μ-law', format: PCMU, tolerance: 0.05 },
  { name: 'A-law', format: PCMA, tolerance: 0.05 },
])('$name', ({ format, tolerance }) => {
  const rate = sampleRateOf(format);

  test('a 20 ms frame has the byte length of §6 and decodes to 20 ms of samples', () => {
    const samples = tone(rate, 20);
    const bytes = encodeAudio(format, samples);
    expect(bytes.length).toBe(20 * bytesPerMs(format));
    expect(durationMs(format, bytes.length)).toBe(20);
    expect(decodeAudio(format, bytes)).toHaveLength(samples.length);
  });

  test('round trip keeps every sample (within the codec step)', () => {
    const samples = tone(rate, 100);
    const back = decodeAudio(format, encodeAudio(format, samples));
    for (let i = 0; i < samples.length; i++) {
      expect(Math.abs(back[i] - samples[i])).toBeLessThanOrEqual(Math.max(8, Math.abs(samples[i]) * tolerance));
    }
  });

  test('silenceBytes decodes to silence and has the duration asked for', () => {
    const bytes = silenceBytes(format, 100);
    expect(durationMs(format, bytes.length)).toBe(100);
    for (const sample of decodeAudio(format, bytes)) expect(Math.abs(sample)).toBeLessThanOrEqual(8);
  });
});

describe('wire details', () => {
  test('silence bytes are 0x00 (PCM), 0xFF (μ-law), 0xD5 (A-law)', () => {
    expect(new Set(silenceBytes(PCM, 20))).toEqual(new Set([0x00]));
    expect(new Set(silenceBytes(PCMU, 20))).toEqual(new Set([0xff]));
    expect(new Set(silenceBytes(PCMA, 20))).toEqual(new Set([0xd5]));
  });

  test('silenceBytes rounds to whole samples, so PCM stays an even byte count', () => {
    expect(silenceBytes(PCM, 10.01).length % 2).toBe(0);
    expect(silenceBytes(PCM, 0.02).length).toBe(0);
    expect(silenceBytes(PCMU, 0.125).length).toBe(1);
  });

  test('PCM encode is a view over the samples, and decode a view over the bytes', () => {
    const samples = Int16Array.of(1, 2, 3);
    const bytes = encodeAudio(PCM, samples);
    expect(bytes.buffer).toBe(samples.buffer);
    expect(decodeAudio(PCM, bytes).buffer).toBe(samples.buffer);
  });

  test('PCM is little-endian on the wire', () => {
    expect([...encodeAudio(PCM, Int16Array.of(0x0102))]).toEqual([0x02, 0x01]);
  });

  test('odd-length PCM is refused', () => {
    expect(() => decodeAudio(PCM, new Uint8Array(5))).toThrow(RangeError);
  });
});
