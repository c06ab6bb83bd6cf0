import { describe, expect, it } from 'vitest';
import { bufferToInt16, rms } from '../../../../src/audio/pcm.ts';
import { MicrophoneInput } from '../../../../src/edges/webrtc/audio-in.ts';
import type { AudioFrame } from '../../../../src/edges/webrtc/wrtc.ts';

function toneFrame(rate: number, channels = 1, start = 0): AudioFrame {
  const frames = rate / 100;
  const samples = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) samples[i * channels + c] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (start + i)) / rate));
  }
  return { samples, sampleRate: rate, channelCount: channels, numberOfFrames: frames };
}

async function collect(): Promise<{ input: MicrophoneInput; out: Buffer[]; samples: () => Int16Array }> {
  const out: Buffer[] = [];
  const input = new MicrophoneInput((pcm) => out.push(pcm));
  await input.ready();
  return { input, out, samples: () => bufferToInt16(Buffer.concat(out)) };
}

describe('MicrophoneInput', () => {
  it('turns 48 kHz sink frames into a continuous 24 kHz stream', async () => {
    const { input, samples } = await collect();
    for (let n = 0; n < 100; n++) input.push(toneFrame(48_000, 1, n * 480));
    const pcm = samples();
    expect(Math.abs(pcm.length - 24_000)).toBeLessThanOrEqual(64); // the filter holds back its latency
    expect(rms(pcm.subarray(240))).toBeGreaterThan(5000); // a 8000-amplitude sine: ~5657
    input.dispose();
  });

  it('averages stereo frames to mono', async () => {
    const { input, samples } = await collect();
    for (let n = 0; n < 10; n++) input.push(toneFrame(48_000, 2, n * 480));
    expect(Math.abs(samples().length - 2_400)).toBeLessThanOrEqual(64);
    input.dispose();
  });

  it('drops frames of a new rate until its resampler exists, then converts them too', async () => {
    const { input, out, samples } = await collect();
    input.push(toneFrame(16_000));
    expect(out).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let n = 0; n < 10; n++) input.push(toneFrame(16_000, 1, n * 160));
    expect(Math.abs(samples().length - 2_400)).toBeLessThanOrEqual(64);
    input.dispose();
    input.push(toneFrame(48_000));
    expect(Math.abs(samples().length - 2_400)).toBeLessThanOrEqual(64);
  });
});
