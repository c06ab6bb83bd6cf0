import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/edges/token-bucket.ts';

describe('TokenBucket', () => {
  it('lets a burst of its capacity through, then only the refill rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now = 499;
    expect(bucket.take()).toBe(false);
    now = 500;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than its capacity, however long it waited', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 100, () => now);
    now = 60_000;
    expect(bucket.take(10)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });

  it('takes nothing when a request is larger than what it holds', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 0, () => now);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(60)).toBe(false);
    expect(bucket.take(40)).toBe(true);
  });
});
