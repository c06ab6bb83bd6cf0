import { describe, expect, it } from 'vitest';
import { DevicePlayback } from '../../../../src/edges/kiosk/device-playback.ts';

describe('DevicePlayback', () => {
  it('takes reports of the current epoch, numbering each clear', () => {
    const playback = new DevicePlayback();
    playback.sent(2000);
    expect(playback.report(1500, 0)).toBeUndefined();
    expect(playback.playedMs).toBe(1500);
    expect(playback.clear()).toBe(1);
    expect(playback.playedMs).toBe(0);
    playback.sent(800);
    expect(playback.report(300, 1)).toBeUndefined();
    expect(playback.playedMs).toBe(300);
    expect(playback.clear()).toBe(2);
  });

  it('ignores a report from before the last clear', () => {
    const playback = new DevicePlayback();
    playback.sent(2000);
    playback.clear();
    playback.sent(2000);
    expect(playback.report(1500, 0)).toBeUndefined();
    expect(playback.playedMs).toBe(0);
  });

  it('refuses a report from an epoch that has not begun', () => {
    const playback = new DevicePlayback();
    playback.sent(100);
    expect(playback.report(50, 1)).toMatch(/epoch 1 is ahead of the last audio.clear's \(0\)/);
    expect(playback.playedMs).toBe(0);
  });

  it('takes a report without an epoch only when it cannot be stale', () => {
    const playback = new DevicePlayback();
    playback.sent(2000);
    playback.clear();
    playback.sent(400);
    // 1500 ms cannot have been played of the 400 ms sent since the clear: it counted before it.
    expect(playback.report(1500, undefined)).toBeUndefined();
    expect(playback.playedMs).toBe(0);
    expect(playback.report(350, undefined)).toBeUndefined();
    expect(playback.playedMs).toBe(350);
  });

  it('never counts more played than was sent', () => {
    const playback = new DevicePlayback();
    playback.sent(400);
    playback.report(400.5, undefined);
    expect(playback.playedMs).toBe(400);
    playback.report(900, 0);
    expect(playback.playedMs).toBe(400);
  });
});
