// Audio travels as base64 on every wire here (Realtime events, Twilio messages); these look at a
// payload without decoding it.

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 with padding, as the Realtime API and Twilio send it. */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

/** Decoded size of a base64 string, from its length and padding alone. */
export function base64ByteLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length * 3) / 4 - padding;
}
