/** A retry's wait, jittered by ±20 % so calls that dropped together do not retry in step. */
export function jitter(ms: number): number {
  return ms * (0.8 + Math.random() * 0.4);
}
