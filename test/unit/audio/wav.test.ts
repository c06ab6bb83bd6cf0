import { describe, expect, test } from 'vitest';
import { encodeWav, parseWav } from '../../../src/audio/wav.ts';

function chunk(id: string, body: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'ascii');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

function fmt({ encoding = 1, channels = 1, rate = 16_000, bits = 16 } = {}): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(encoding, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return chunk('fmt ', body);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

function pcmBytes(samples: number[]): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => out.writeInt16LE(s, i * 2));
  return out;
}

describe('encodeWav / parseWav', () => {
  test('round trip keeps rate, channels and every sample', () => {
    const samples = Int16Array.from({ length: 4801 }, (_, i) => ((i * 7919) % 65_536) - 32_768);
    const parsed = parseWav(encodeWav(samples, 48_000));
    expect(parsed.sampleRate).toBe(48_000);
    expect(parsed.channels).toBe(1);
    expect(parsed.samples).toEqual(samples);
  });

  test('writes the canonical 44-byte header', () => {
    const wav = encodeWav(new Int16Array(10), 24_000);
    expect(wav).toHaveLength(44 + 20);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt32LE(28)).toBe(48_000);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(20);
  });

  test('skips LIST and other chunks, honouring odd-size padding', () => {
    const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00'));
    const odd = chunk('junk', Buffer.from([1, 2, 3]));
    const parsed = parseWav(riff(list, fmt({ rate: 8000 }), odd, chunk('data', pcmBytes([1, -2, 3]))));
    expect(parsed.sampleRate).toBe(8000);
    expect([...parsed.samples]).toEqual([1, -2, 3]);
  });

  test('averages channels to mono', () => {
    const parsed = parseWav(riff(fmt({ channels: 2 }), chunk('data', pcmBytes([100, 300, -32_768, -32_768, 5, -7]))));
    expect(parsed.channels).toBe(2);
    expect([...parsed.samples]).toEqual([200, -32_768, -1]);
  });

  test('reads the encoding of WAVE_FORMAT_EXTENSIBLE from its sub-format', () => {
    const body = Buffer.alloc(40);
    body.writeUInt16LE(0xfffe, 0);
    body.writeUInt16LE(1, 2);
    body.writeUInt32LE(22_050, 4);
    body.writeUInt16LE(16, 14);
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(1, 24); // KSDATAFORMAT_SUBTYPE_PCM
    expect(parseWav(riff(chunk('fmt ', body), chunk('data', pcmBytes([7])))).sampleRate).toBe(22_050);
    body.writeUInt16LE(3, 24);
    expect(() => parseWav(riff(chunk('fmt ', body), chunk('data', pcmBytes([7]))))).toThrow('unsupported WAV encoding 3 (only 16-bit PCM)');
  });

  test('a streamed header (data size 0xFFFFFFFF) runs to the end of the file', () => {
    const wav = riff(fmt(), chunk('data', pcmBytes([1, 2, 3])));
    wav.writeUInt32LE(0xffffffff, wav.length - 6 - 4);
    expect([...parseWav(wav).samples]).toEqual([1, 2, 3]);
  });

  test('works on a view at an odd byte offset', () => {
    const wav = encodeWav(Int16Array.of(5, -5), 8000);
    const shifted = new Uint8Array(wav.length + 1);
    shifted.set(wav, 1);
    expect([...parseWav(shifted.subarray(1)).samples]).toEqual([5, -5]);
  });
});

describe('parseWav errors name what is wrong', () => {
  const good = riff(fmt(), chunk('data', pcmBytes([1, 2])));

  test.each([
    ['empty input', Buffer.alloc(0), 'not a RIFF/WAVE file'],
    ['an MP3', Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00'), 'not a RIFF/WAVE file'],
    ['RIFF but not WAVE', Buffer.concat([Buffer.from('RIFF\x04\x00\x00\x00AVI ')]), 'not a RIFF/WAVE file'],
    ['32-bit float', riff(fmt({ encoding: 3, bits: 32 }), chunk('data', Buffer.alloc(8))), 'unsupported WAV encoding 3 (only 16-bit PCM)'],
    ['8-bit PCM', riff(fmt({ bits: 8 }), chunk('data', Buffer.alloc(4))), 'unsupported WAV sample size 8 bits (only 16-bit PCM)'],
    ['truncated data', good.subarray(0, good.length - 1), 'truncated WAV data: the header says 4 bytes, the file holds 3'],
    ['no data chunk', riff(fmt()), 'WAV has no data chunk'],
    ['no chunks at all', riff(), 'WAV has no fmt chunk'],
    ['data before fmt', riff(chunk('data', pcmBytes([1])), fmt()), 'WAV data chunk comes before any fmt chunk'],
    ['a short fmt chunk', riff(chunk('fmt ', Buffer.alloc(10)), chunk('data', pcmBytes([1]))), 'truncated WAV fmt chunk (10 bytes)'],
    ['zero channels', riff(fmt({ channels: 0 }), chunk('data', pcmBytes([1]))), 'WAV fmt chunk declares 0 channels'],
    ['a half stereo frame', riff(fmt({ channels: 2 }), chunk('data', pcmBytes([1, 2, 3]))), 'WAV data size 6 is not a whole number of 4-byte frames'],
  ])('%s', (_name, bytes, message) => {
    expect(() => parseWav(bytes)).toThrow(message);
  });
});
