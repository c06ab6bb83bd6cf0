import { describe, expect, it } from 'vitest';
import { ExpiringNotes } from '../../../src/fleet/expiring-notes.ts';

describe('expiring notes', () => {
  it('gives a note back until it expires', () => {
    const notes = new ExpiringNotes();
    notes.set('a', 'hangup', 1_000, 0);
    expect(notes.get('a', 999)).toBe('hangup');
    expect(notes.get('a', 1_000)).toBeUndefined();
    expect(notes.get('b', 0)).toBeUndefined();
  });

  it('keeps at most `max`, forgetting the oldest first; a note written again is the newest', () => {
    const notes = new ExpiringNotes(2);
    notes.set('a', '1', 60_000, 0);
    notes.set('b', '2', 60_000, 0);
    notes.set('a', '3', 60_000, 0);
    notes.set('c', '4', 60_000, 0);
    expect([notes.get('a', 1), notes.get('b', 1), notes.get('c', 1)]).toEqual(['3', undefined, '4']);
  });
});
