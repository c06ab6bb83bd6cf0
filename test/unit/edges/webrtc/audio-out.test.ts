import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioPump, LEAD_MS, MAX_QUEUED_MS } from '../../../../src/edges/webrtc/audio-out.ts';
import type { AudioSource } from '../../../../src/edges/webrtc/wrtc.ts';

interface SentFrame {
  atMs: number;
  samples: Int16Array;
}

function recordingSource(sent: SentFrame[]): AudioSource {
  return {
    createTrack: () => {
      throw new Error('not used');
    },
    onData: (data) => {
      expect(data).toMatchObject({ sampleRate: 24_000, numberOfFrames: 240, channelCount: 1 });
      sent.push({ atMs: performance.now(), samples: data.samples.slice() });
    },
  };
}

/** PCM16 24 kHz whose sample i is `i % 1000 + 1` (never 0, so padding is visible). */
function ramp(ms: number): Buffer {
  const samples = new Int16Array(ms * 24);
  for (let i = 0; i < samples.length; i++) samples[i] = (i % 1000) + 1;
  return Buffer.from(samples.buffer);
}

describe('AudioPump', () => {
  let sent: SentFrame[];
  let pump: AudioPump;
  const overflows: number[] = [];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    sent = [];
    overflows.length = 0;
    pump = new AudioPump(recordingSource(sent), (ms) => overflows.push(ms));
  });
  afterEach(() => {
    pump.stop();
    vi.useRealTimers();
  });

  it('holds audio until started, then sends the lead at once and one 10 ms frame per 10 ms', () => {
    pump.enqueue(ramp(1_000));
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(0);
    expect(pump.playedMs()).toBe(0);

    pump.start();
    const t0 = performance.now();
    const lead = LEAD_MS / 10;
    vi.advanceTimersByTime(495);
    expect(sent).toHaveLength(50 + lead);
    expect(pump.playedMs()).toBe(500 + LEAD_MS);
    sent.forEach((frame, n) => expect(frame.atMs - t0).toBe(Math.max(0, n - lead) * 10));
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(100);
    expect(pump.playedMs()).toBe(1_000);
  });

  it('runs at most the lead ahead of real time when audio comes in a clump', () => {
    pump.start();
    pump.enqueue(ramp(10));
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1); // the queue ran dry: the pump waits for more
    // Late audio arrives all at once: the lead goes now, the rest at real-time pace.
    const t0 = performance.now();
    pump.enqueue(ramp(200));
    expect(sent).toHaveLength(2 + LEAD_MS / 10);
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(2 + LEAD_MS / 10 + 5);
    expect(sent.at(-1)!.atMs - t0).toBe(50);
  });

  it('keeps the stream continuous across chunk boundaries, pads only the last frame, counts only real samples', () => {
    pump.start();
    // Buffers that split samples and frames anywhere, ending in a short last frame.
    const audio = ramp(25);
    pump.enqueue(audio.subarray(0, 121));
    vi.advanceTimersByTime(5);
    expect(sent).toHaveLength(0); // an underrun waits a moment for the rest of the frame
    pump.enqueue(audio.subarray(121, 480));
    pump.enqueue(audio.subarray(480));
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(3);
    const out = new Int16Array(720);
    sent.forEach((frame, n) => out.set(frame.samples, n * 240));
    expect([...out.subarray(0, 600)]).toEqual([...new Int16Array(audio.buffer, audio.byteOffset, 600)]);
    expect(out.subarray(600).every((s) => s === 0)).toBe(true);
    expect(pump.playedMs()).toBe(25);
  });

  it('stops sending at once on clear and restarts the played count', () => {
    pump.start();
    pump.enqueue(ramp(1_000));
    vi.advanceTimersByTime(295);
    expect(pump.playedMs()).toBe(300 + LEAD_MS);
    pump.clear();
    expect(pump.playedMs()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(30 + LEAD_MS / 10);
    pump.enqueue(ramp(100));
    vi.advanceTimersByTime(200);
    expect(pump.playedMs()).toBe(100);
  });

  it('catches up a few late frames after a stall but does not burst a long one', async () => {
    vi.useRealTimers();
    pump.start();
    pump.enqueue(ramp(2_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = sent.length;
    const blockedUntil = performance.now() + 200;
    while (performance.now() < blockedUntil); // the event loop is blocked: 20 frames fall due
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sent.length - before).toBeGreaterThanOrEqual(4);
    expect(sent.length - before).toBeLessThanOrEqual(4 + LEAD_MS / 10);
  });

  it('drops audio beyond the queue limit and reports it', () => {
    pump.enqueue(ramp(MAX_QUEUED_MS));
    pump.enqueue(ramp(500));
    expect(overflows).toEqual([500]);
  });
});
