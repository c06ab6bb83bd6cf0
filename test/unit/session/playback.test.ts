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

  it('remembers no finished response when interrupting it (nothing to drop, nothing kept over a long call)', () => {
    const p = new PlaybackTracker();
    for (let turn = 0; turn < 3; turn++) {
      p.record(`r${turn}`, `i${turn}`, 0, 500);
      p.responseDone(`r${turn}`);
      expect(p.interrupt(200)).toEqual({ itemId: `i${turn}`, contentIndex: 0, audioEndMs: 200 });
      // Were r<turn> kept as interrupted (its response.done is long past), this audio would be dropped.
      expect(p.record(`r${turn}`, `j${turn}`, 0, 10)).toBe(true);
      p.interrupt(0);
    }
  });

  it('says whether the listener still has agent audio to hear', () => {
    const p = new PlaybackTracker();
    expect(p.audible(0)).toBe(false);
    p.record('r1', 'a', 0, 500);
    expect(p.audible(498)).toBe(true);
    expect(p.audible(500)).toBe(false);
    // Whole-millisecond counting may fall short of a fractional end: that is still the end.
    p.record('r1', 'a', 0, 0.6);
    expect(p.audible(500)).toBe(false);
  });

  it('drops the audio of a response silenced before any of it arrived', () => {
    const p = new PlaybackTracker();
    p.silence('r1');
    expect(p.record('r1', 'a', 0, 100)).toBe(false);
    p.responseDone('r1');
    expect(p.record('r1', 'a', 0, 100)).toBe(true);
  });

  it('reports a drop as a cut only while the item\'s audio is still coming', () => {
    const p = new PlaybackTracker();
    p.record('r1', 'a', 0, 400);
    expect(p.connectionLost()).toEqual({ itemId: 'a', contentIndex: 0, audioEndMs: 400 });
    expect(p.connectionLost()).toBeUndefined(); // a second drop: nothing more was cut

    // All its audio sent, the response still going (a tool call after the words): nothing cut.
    p.record('r2', 'b', 0, 300);
    p.audioDone('b', 0);
    expect(p.connectionLost()).toBeUndefined();

    p.record('r3', 'c', 0, 300);
    p.responseDone('r3');
    expect(p.connectionLost()).toBeUndefined();
  });
});
