import { describe, expect, it } from 'vitest';
import { PCM24K, PCMU } from '../../../../src/audio/format.ts';
import { AUDIO_BURST_MS, AUDIO_TOO_FAST_CLOSE_MS, MicrophoneBudget } from '../../../../src/edges/kiosk/microphone-budget.ts';

const FRAME_MS = 100;

describe('MicrophoneBudget', () => {
  it('forwards a burst, then real time; the first frame beyond is flagged once', () => {
    let now = 0;
    const budget = new MicrophoneBudget(PCM24K, () => now);
    const frame = FRAME_MS * 48;
    for (let i = 0; i < AUDIO_BURST_MS / FRAME_MS; i++) expect(budget.admit(frame)).toBe('forward');
    expect(budget.admit(frame)).toBe('first_drop');
    expect(budget.admit(frame)).toBe('drop');
    now += FRAME_MS;
    expect(budget.admit(frame)).toBe('forward');
    expect(budget.droppedMs).toBe(2 * FRAME_MS);
  });

  it('refuses a device that has had more than the close threshold dropped', () => {
    const budget = new MicrophoneBudget(PCM24K, () => 0);
    const frame = FRAME_MS * 48;
    const verdicts = Array.from({ length: (AUDIO_BURST_MS + AUDIO_TOO_FAST_CLOSE_MS) / FRAME_MS + 1 }, () => budget.admit(frame));
    expect(verdicts.at(-2)).toBe('drop');
    expect(verdicts.at(-1)).toBe('refuse');
  });

  it('counts in the bytes of the edge format', () => {
    const budget = new MicrophoneBudget(PCMU, () => 0);
    expect(budget.admit(AUDIO_BURST_MS * 8)).toBe('forward');
    expect(budget.admit(8)).toBe('first_drop');
    expect(budget.droppedMs).toBe(1);
  });
});
