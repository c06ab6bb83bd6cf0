import { formatType, sampleRateOf, type AudioFormat } from './format.ts';
import { alawToPcm16, pcm16ToAlaw, pcm16ToUlaw, ulawToPcm16 } from './g711.ts';
import { bufferToInt16, int16ToBuffer } from './pcm.ts';

// Wire bytes <-> PCM16 samples at the format's own rate (24 kHz PCM, 8 kHz G.711); no resampling.

/** For PCM the result is a view over `bytes` when aligned: copy it if `bytes` will be reused. */
export function decodeAudio(format: AudioFormat | undefined, bytes: Uint8Array): Int16Array {
  switch (formatType(format)) {
    case 'audio/pcm':
      return bufferToInt16(bytes);
    case 'audio/pcmu':
      return ulawToPcm16(bytes);
    case 'audio/pcma':
      return alawToPcm16(bytes);
  }
}

/** For PCM the result is a view over `samples`, no copy. */
export function encodeAudio(format: AudioFormat | undefined, samples: Int16Array): Buffer {
  switch (formatType(format)) {
    case 'audio/pcm':
      return int16ToBuffer(samples);
    case 'audio/pcmu':
      return asBuffer(pcm16ToUlaw(samples));
    case 'audio/pcma':
      return asBuffer(pcm16ToAlaw(samples));
  }
}

const SILENCE_BYTE = { 'audio/pcm': 0x00, 'audio/pcmu': 0xff, 'audio/pcma': 0xd5 } as const;

/** `ms` of silence in the format, rounded to whole samples. */
export function silenceBytes(format: AudioFormat | undefined, ms: number): Buffer {
  const type = formatType(format);
  const samples = Math.max(0, Math.round((ms * sampleRateOf(format)) / 1000));
  const bytesPerSample = type === 'audio/pcm' ? 2 : 1;
  return Buffer.alloc(samples * bytesPerSample, SILENCE_BYTE[type]);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
