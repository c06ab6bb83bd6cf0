import { formatType, type AudioFormat } from '../../audio/format.ts';
import { isBase64 } from '../../audio/base64.ts';
import { invalidValueBecause, type ProtocolError } from '../protocol/errors.ts';

/** Decodes a base64 audio payload and checks it holds whole samples of `format`. */
export function decodeAudioPayload(base64: string, format: AudioFormat, param: string): Buffer | ProtocolError {
  if (!isBase64(base64)) {
    return invalidValueBecause(param, 'expected base64-encoded audio data.');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (formatType(format) === 'audio/pcm' && bytes.byteLength % 2 !== 0) {
    return invalidValueBecause(param, `audio/pcm is 16-bit samples, so the decoded audio must be an even number of bytes (got ${bytes.byteLength}).`);
  }
  return bytes;
}
