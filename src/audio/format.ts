import { base64ByteLength } from './base64.ts';
import type { RealtimeAudioFormats } from 'openai/resources/realtime/realtime';

/** The wire audio formats of the Realtime protocol (GA names). */
export type AudioFormat = RealtimeAudioFormats;
export type AudioFormatType = 'audio/pcm' | 'audio/pcmu' | 'audio/pcma';

export const PCM_RATE_HZ = 24_000;
export const G711_RATE_HZ = 8_000;

/** `type` is optional in the SDK type; absent means the protocol default, PCM16 24 kHz. */
export function formatType(format: AudioFormat | undefined): AudioFormatType {
  return format?.type ?? 'audio/pcm';
}

export function sampleRateOf(format: AudioFormat | undefined): number {
  return formatType(format) === 'audio/pcm' ? PCM_RATE_HZ : G711_RATE_HZ;
}

/** Bytes per millisecond on the wire: 48 for PCM16 24 kHz, 8 for G.711. */
export function bytesPerMs(format: AudioFormat | undefined): number {
  return formatType(format) === 'audio/pcm' ? 48 : 8;
}

export function durationMs(format: AudioFormat | undefined, byteLength: number): number {
  return byteLength / bytesPerMs(format);
}

export const PCM24K: AudioFormat = { type: 'audio/pcm', rate: PCM_RATE_HZ };
export const PCMU: AudioFormat = { type: 'audio/pcmu' };

/** Milliseconds of audio in a base64 payload of this format. */
export function payloadMs(format: AudioFormat | undefined, base64: string): number {
  return durationMs(format, base64ByteLength(base64));
}
