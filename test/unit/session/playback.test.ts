import { describe, expect, it } from 'vitest';
import { PlaybackTracker } from '../../../src/session/playback.ts';

describe('PlaybackTracker', () => {
  it('truncates the current item at what the listener heard', () => {
    const p = new PlaybackTracker();
    p.record('r1', 'a', 0, 1000);
    p.record('r1', 'a', 0, 500);
    expect(p.interrupt(600.7)).toEqual({ itemId: 'a', contentIndex: 0, audioEndMs: 600 });
  });

  it('measures an item from where its audio started on the edge timeline', () => {
    const p = new PlaybackTracker();
    p.record('r1', 'a', 0, 800);
    p.responseDone('r1');
    p.record('r2', 'b', 0, 1200);
    // 800 ms of item a, then 300 ms of item b heard.
    expect(p.interrupt(1100)).toEqual({ itemId: 'b', contentIndex: 0, audioEndMs: 300 });
  });

  it('does not truncate a finished item heard in full, but does while it is still generating', () => {
    const done = new PlaybackTracker();
    done.record('r1', 'a', 0, 500);
    done.responseDone('r1');
    expect(done.interrupt(700)).toBeUndefined();

    const generating = new PlaybackTracker();
    generating.record('r1', 'a', 0, 500);
    expect(generating.interrupt(700)).toEqual({ itemId: 'a', contentIndex: 0, audioEndMs: 500 });
  });

  it('drops late audio of an interrupted response, and restarts the timeline at 0', () => {
    const p = new PlaybackTracker();
    p.record('r1', 'a', 0, 400);
    p.interrupt(100);
    expect(p.record('r1', 'a', 0, 100)).toBe(false);
    expect(p.record('r2', 'b', 0, 300)).toBe(true);
    expect(p.interrupt(120)).toEqual({ itemId: 'b', contentIndex: 0, audioEndMs: 120 });
  });

  it('has nothing to truncate when nothing was played', () => {
    const p = new PlaybackTracker();
    expect(p.interrupt(0)).toBeUndefined();
  });
});
