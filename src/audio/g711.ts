import alawmulaw from 'alawmulaw';

const { alaw, mulaw } = alawmulaw;

// alawmulaw's per-sample codecs, tabulated once: a table lookup is ~2.5x faster than its
// per-sample arithmetic on the 20 ms frames of every phone call.
function encodeTable(encodeSample: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65_536);
  for (let i = 0; i < 65_536; i++) table[i] = encodeSample((i << 16) >> 16);
  return table;
}

function decodeTable(decodeSample: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = decodeSample(i);
  return table;
}

const ULAW_ENCODE = encodeTable(mulaw.encodeSample);
const ULAW_DECODE = decodeTable(mulaw.decodeSample);
const ALAW_ENCODE = encodeTable(alaw.encodeSample);
const ALAW_DECODE = decodeTable(alaw.decodeSample);

function encode(table: Uint8Array, samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i] & 0xffff];
  return out;
}

function decode(table: Int16Array, bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

export function ulawToPcm16(bytes: Uint8Array): Int16Array {
  return decode(ULAW_DECODE, bytes);
}

export function pcm16ToUlaw(samples: Int16Array): Uint8Array {
  return encode(ULAW_ENCODE, samples);
}

export function alawToPcm16(bytes: Uint8Array): Int16Array {
  return decode(ALAW_DECODE, bytes);
}

export function pcm16ToAlaw(samples: Int16Array): Uint8Array {
  return encode(ALAW_ENCODE, samples);
}
