import { describe, expect, test } from 'vitest';
import { bufferToInt16, concatInt16, int16ToBuffer, rms } from '../../../src/audio/pcm.ts';

describe('bufferToInt16', () => {
  test('reads little-endian PCM16 as a view when the offset is even', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x34, 0x12, 0x00, 0x80, 0xff, 0x7f]);
    const samples = bufferToInt16(bytes.subarray(2));
    expect([...samples]).toEqual([0x1234, -32_768, 32_767]);
    bytes[2] = 0x35;
    expect(samples[0]).toBe(0x1235);
  });

  test('copies only when the byte offset is odd, with the same values', () => {
    const backing = new Uint8Array([0xaa, 0x34, 0x12, 0xfe, 0xff]);
    const samples = bufferToInt16(backing.subarray(1));
    expect([...samples]).toEqual([0x1234, -2]);
    expect(samples.buffer).not.toBe(backing.buffer);
    expect(samples.byteOffset % 2).toBe(0);
  });

  test('throws a RangeError on an odd byte length', () => {
    expect(() => bufferToInt16(new Uint8Array(3))).toThrow(RangeError);
    expect(() => bufferToInt16(new Uint8Array(3))).toThrow(/even number of bytes, got 3/);
  });
});

describe('int16ToBuffer', () => {
  test('is a little-endian view over the same memory', () => {
    const samples = Int16Array.of(0x1234, -2);
    const bytes = int16ToBuffer(samples.subarray(1));
    expect([...bytes]).toEqual([0xfe, 0xff]);
    samples[1] = 1;
    expect([...bytes]).toEqual([0x01, 0x00]);
  });

  test('round-trips with bufferToInt16', () => {
    const samples = Int16Array.from({ length: 480 }, (_, i) => (i * 997) % 65_536 - 32_768);
    expect(bufferToInt16(int16ToBuffer(samples))).toEqual(samples);
  });
});

describe('rms', () => {
  test('of a full-scale square wave is 32768, of silence 0, of nothing 0', () => {
    expect(rms(Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? -32_768 : 32_767)))).toBeCloseTo(32_767.5, 0);
    expect(rms(new Int16Array(480))).toBe(0);
    expect(rms(new Int16Array(0))).toBe(0);
  });

  test('of a sine is its amplitude over √2', () => {
    const sine = Int16Array.from({ length: 24_000 }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * 1000 * i) / 24_000)));
    expect(rms(sine)).toBeCloseTo(10_000 / Math.SQRT2, -1);
  });
});

describe('concatInt16', () => {
  test('joins parts in order, views included', () => {
    const base = Int16Array.of(1, 2, 3, 4);
    expect([...concatInt16([base.subarray(2), new Int16Array(0), Int16Array.of(9), base.subarray(0, 1)])]).toEqual([3, 4, 9, 1]);
    expect(concatInt16([])).toHaveLength(0);
  });
});
