import { bufferToInt16 } from './pcm.ts';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Mono: multi-channel files are averaged across channels. */
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A data size streaming writers put in the header when they cannot seek back: "to the end". */
const UNKNOWN_SIZE = 0xffffffff;

/** Reads a 16-bit PCM WAV, walking its RIFF chunks (LIST, fact and others are skipped). */
export function parseWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: { channels: number; sampleRate: number } | undefined;
  for (let offset = 12; offset + 8 <= bytes.byteLength; ) {
    const id = fourcc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = readFormat(view, body, size);
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before any fmt chunk');
      const available = bytes.byteLength - body;
      if (size !== UNKNOWN_SIZE && size > available) {
        throw new Error(`truncated WAV data: the header says ${size} bytes, the file holds ${available}`);
      }
      const frameBytes = 2 * format.channels;
      if (size !== UNKNOWN_SIZE && size % frameBytes !== 0) {
        throw new Error(`WAV data size ${size} is not a whole number of ${frameBytes}-byte frames`);
      }
      // An unknown size runs to the end of the file; a cut-off last frame is dropped.
      const usable = size === UNKNOWN_SIZE ? available - (available % frameBytes) : size;
      const interleaved = bufferToInt16(bytes.subarray(body, body + usable));
      return { ...format, samples: downmix(interleaved, format.channels) };
    }
    // Chunks are padded to an even length.
    offset = body + size + (size % 2);
  }
  throw new Error(format ? 'WAV has no data chunk' : 'WAV has no fmt chunk');
}

/** A mono 16-bit PCM WAV. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const dataBytes = samples.byteLength;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  Buffer.from(samples.buffer, samples.byteOffset, dataBytes).copy(out, 44);
  return out;
}

function readFormat(view: DataView, body: number, size: number): { channels: number; sampleRate: number } {
  if (size < 16 || body + 16 > view.byteLength) throw new Error(`truncated WAV fmt chunk (${size} bytes)`);
  let encoding = view.getUint16(body, true);
  // WAVE_FORMAT_EXTENSIBLE names the real encoding in the first two bytes of its sub-format GUID.
  if (encoding === WAVE_FORMAT_EXTENSIBLE && size >= 26 && body + 26 <= view.byteLength) {
    encoding = view.getUint16(body + 24, true);
  }
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  if (encoding !== WAVE_FORMAT_PCM) throw new Error(`unsupported WAV encoding ${encoding} (only 16-bit PCM)`);
  if (bitsPerSample !== 16) throw new Error(`unsupported WAV sample size ${bitsPerSample} bits (only 16-bit PCM)`);
  if (channels === 0) throw new Error('WAV fmt chunk declares 0 channels');
  if (sampleRate === 0) throw new Error('WAV fmt chunk declares a sample rate of 0');
  return { channels, sampleRate };
}

function downmix(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const frames = interleaved.length / channels;
  const mono = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[frame * channels + c];
    mono[frame] = Math.round(sum / channels);
  }
  return mono;
}

function fourcc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}
