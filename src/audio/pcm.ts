// PCM16 helpers. Wire PCM is little-endian, as are the hosts Node runs on, so an Int16Array
// over the bytes reads it directly.

/** A view over `buf` when its byte offset is 2-aligned (the usual case); a copy only otherwise. */
export function bufferToInt16(buf: Uint8Array): Int16Array {
  if (buf.byteLength % 2 !== 0) {
    throw new RangeError(`PCM16 needs an even number of bytes, got ${buf.byteLength}`);
  }
  if (buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
  const aligned = new Uint8Array(buf.byteLength);
  aligned.set(buf);
  return new Int16Array(aligned.buffer);
}

/** A Buffer view over the samples' bytes, no copy. */
export function int16ToBuffer(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Audio louder than this RMS (0..32768) is someone speaking: silence and comfort noise sit far below. */
export const SPEECH_RMS = 300;

/** Root mean square on the 0..32768 scale; 0 for no samples. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

export function concatInt16(parts: Int16Array[]): Int16Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
