import { rms } from '../../src/audio/pcm.ts';

/**
 * The marks of bench/webrtc.ts: each burst is a tone whose frequency (one of these, in turn) says
 * which burst it is, so a burst that comes back is matched to the one sent even when another was
 * lost. They are 200 Hz apart, far more than a 10 ms frame's resolution (100 Hz), and all inside
 * the band Opus keeps at any bitrate.
 */
export const BURST_FREQUENCIES_HZ = [400, 600, 800, 1000, 1200, 1400, 1600, 1800] as const;
const AMPLITUDE = 8000;
/** Frames louder than this are tone; Opus leaves silence well below it. */
const TONE_RMS = 1000;
/** Tone ends after this many quiet frames in a row (a codec can dip inside a burst). */
const QUIET_FRAMES_TO_END = 3;

/** Writes a burst's frames: frame `n` of the burst continues frame `n - 1`'s phase. */
export class BurstTone {
  constructor(readonly rate: number, readonly frameSamples: number) {}

  fill(frame: Int16Array, frequencyHz: number, n: number): void {
    const step = (2 * Math.PI * frequencyHz) / this.rate;
    const offset = n * this.frameSamples;
    for (let i = 0; i < frame.length; i++) frame[i] = Math.round(AMPLITUDE * Math.sin(step * (offset + i)));
  }
}

export interface Heard {
  /** Set on the frame that decides a new burst's frequency; `atMs` is when its first tone arrived. */
  onset?: { atMs: number; frequencyIndex: number };
  /** A loud frame of the burst being heard (the onset frame is counted with the onset). */
  toneFrame: boolean;
}

/**
 * Finds bursts in received audio: the first loud frame after quiet is the onset; the next frame,
 * whole tone, names the frequency (the onset frame may be mostly quiet).
 */
export class BurstDetector {
  #state: 'quiet' | 'onset' | 'tone' = 'quiet';
  #onsetAt = 0;
  #quietFrames = 0;

  push(samples: Int16Array, rate: number, atMs: number): Heard {
    const loud = rms(samples) > TONE_RMS;
    if (this.#state === 'quiet') {
      if (loud) {
        this.#state = 'onset';
        this.#onsetAt = atMs;
      }
      return { toneFrame: false };
    }
    if (this.#state === 'onset') {
      this.#state = 'tone';
      this.#quietFrames = 0;
      return { onset: { atMs: this.#onsetAt, frequencyIndex: strongest(samples, rate) }, toneFrame: loud };
    }
    this.#quietFrames = loud ? 0 : this.#quietFrames + 1;
    if (this.#quietFrames >= QUIET_FRAMES_TO_END) this.#state = 'quiet';
    return { toneFrame: loud };
  }
}

/** Index of the burst frequency with the most power in `samples` (Goertzel). */
function strongest(samples: Int16Array, rate: number): number {
  let best = 0;
  let bestPower = -1;
  BURST_FREQUENCIES_HZ.forEach((f, index) => {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / rate);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < samples.length; i++) {
      const s0 = samples[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = index;
    }
  });
  return best;
}
