import { describe, expect, it } from 'vitest';
import { PenaltyBox } from '../../../../src/edges/kiosk/penalty-box.ts';

function box(maxEntries = 100) {
  let now = 0;
  const penalty = new PenaltyBox({ baseMs: 10_000, maxMs: 40_000, forgetMs: 60_000, maxEntries, now: () => now });
  return { penalty, advance: (ms: number) => (now += ms) };
}

describe('PenaltyBox', () => {
  it('makes an offending address wait, and lets it in once the wait is over', () => {
    const { penalty, advance } = box();
    expect(penalty.remainingMs('10.0.0.1')).toBe(0);
    expect(penalty.punish('10.0.0.1')).toBe(10_000);
    advance(4_000);
    expect(penalty.remainingMs('10.0.0.1')).toBe(6_000);
    expect(penalty.remainingMs('10.0.0.2')).toBe(0);
    advance(6_000);
    expect(penalty.remainingMs('10.0.0.1')).toBe(0);
  });

  it('doubles the wait for each repeat up to the maximum, and forgets an address that behaved for long enough', () => {
    const { penalty, advance } = box();
    expect(penalty.punish('a')).toBe(10_000);
    advance(10_000);
    expect(penalty.punish('a')).toBe(20_000);
    advance(20_000);
    expect(penalty.punish('a')).toBe(40_000);
    advance(40_000);
    expect(penalty.punish('a')).toBe(40_000);
    advance(40_000 + 60_000);
    expect(penalty.punish('a')).toBe(10_000);
  });

  it('holds at most maxEntries addresses, forgetting the one punished longest ago', () => {
    const { penalty } = box(2);
    penalty.punish('a');
    penalty.punish('b');
    penalty.punish('c');
    expect(penalty.remainingMs('a')).toBe(0);
    expect(penalty.remainingMs('b')).toBeGreaterThan(0);
    expect(penalty.remainingMs('c')).toBeGreaterThan(0);
  });

  it('is off with a base of 0', () => {
    const penalty = new PenaltyBox({ baseMs: 0, maxMs: 0, forgetMs: 0, maxEntries: 10 });
    expect(penalty.punish('a')).toBe(0);
    expect(penalty.remainingMs('a')).toBe(0);
  });
});
