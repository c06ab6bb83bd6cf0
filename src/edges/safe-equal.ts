import { timingSafeEqual } from 'node:crypto';

/** Compares secrets in constant time, so their length-matching prefix cannot be probed by timing. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
