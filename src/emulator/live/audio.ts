import type { AudioFormat as LiveAudioFormat } from 'openai/resources/live/live';
import { decodeAudio, encodeAudio } from '../../audio/codec.ts';
import type { AudioFormat } from '../../audio/format.ts';

// The session's one audio format (both directions, §2.1) in the codec's terms. PCM16 is the
// same bytes at 16 or 24 kHz; only the rate differs, so durations use the Live format's own rate.

export const DEFAULT_LIVE_FORMAT: LiveAudioFormat = { type: 'audio/pcm', rate: 24000 };

export function rateOf(format: LiveAudioFormat): number {
  return format.type === 'audio/pcm' ? format.rate : 8000;
}

export function bytesPerSample(format: LiveAudioFormat): number {
  return format.type === 'audio/pcm' ? 2 : 1;
}

export function bytesToMs(format: LiveAudioFormat, bytes: number): number {
  return (bytes / bytesPerSample(format) / rateOf(format)) * 1000;
}

function codec(format: LiveAudioFormat): AudioFormat {
  return format.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: format.type };
}

export function decodeLive(format: LiveAudioFormat, bytes: Uint8Array): Int16Array {
  // A copy: the view of a PCM decode aliases the frame's buffer.
  return decodeAudio(codec(format), bytes).slice();
}

export function encodeLive(format: LiveAudioFormat, samples: Int16Array): Buffer {
  return encodeAudio(codec(format), samples);
}

/** Base64 that decodes to whole samples, or why not. */
export function decodeBase64Audio(format: LiveAudioFormat, base64: string): Buffer | string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return 'not valid base64';
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength % bytesPerSample(format) !== 0) return `not a whole number of ${format.type} samples`;
  return bytes;
}
