/**
 * The WebRTC stack's own round trip, for bench/webrtc.ts to be read against: a caller peer streams
 * the same marked tone bursts to an echo peer in the same process, which plays what its sink
 * receives straight back into its own source, with no gateway, resampling or backend in between.
 * What remains is two Opus encodes (20 ms frames), two jitter buffers and the 10 ms playout
 * clocks: the floor under the gateway's figure. Run: npx tsx bench/webrtc-floor.ts (BENCH_PAIRS).
 */
import { fmt, percentile } from './lib/child.ts';
import { BURST_FREQUENCIES_HZ, BurstDetector, BurstTone } from './lib/webrtc-bursts.ts';
import { iceGatheringDone } from '../src/edges/webrtc/signalling.ts';
import { RTCAudioSink, RTCAudioSource, RTCPeerConnection, type AudioFrame } from '../src/edges/webrtc/wrtc.ts';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const RATE = 48_000;
const FRAME = RATE / 100;
const PERIOD_FRAMES = 40;
const BURST_FRAMES = 10;
const WARMUP_FRAMES = 200;
const FRAMES = 1_000;

async function pair(latencies: number[]): Promise<(n: number) => void> {
  const caller = new RTCPeerConnection();
  const echo = new RTCPeerConnection();
  const mic = new RTCAudioSource();
  const back = new RTCAudioSource();
  caller.addTrack(mic.createTrack());
  echo.ontrack = (event) => {
    const sink = new RTCAudioSink(event.track);
    sink.ondata = (frame: AudioFrame) => back.onData({ samples: frame.samples, sampleRate: frame.sampleRate, bitsPerSample: 16, channelCount: frame.channelCount, numberOfFrames: frame.numberOfFrames });
  };
  const sent: { index: number; at: number }[] = [];
  const detector = new BurstDetector();
  caller.ontrack = (event) => {
    const sink = new RTCAudioSink(event.track);
    sink.ondata = (frame: AudioFrame) => {
      const heard = detector.push(frame.samples.subarray(0, frame.numberOfFrames), frame.sampleRate, performance.now());
      if (!heard.onset) return;
      const burst = sent.find((b) => b.index % BURST_FREQUENCIES_HZ.length === heard.onset!.frequencyIndex && b.at < heard.onset!.atMs);
      if (burst) {
        latencies.push(heard.onset.atMs - burst.at);
        sent.splice(0, sent.indexOf(burst) + 1);
      }
    };
  };
  await caller.setLocalDescription(await caller.createOffer({ offerToReceiveAudio: true }));
  await iceGatheringDone(caller, 2_000);
  await echo.setRemoteDescription(caller.localDescription!);
  echo.addTrack(back.createTrack());
  await echo.setLocalDescription(await echo.createAnswer());
  await iceGatheringDone(echo, 2_000);
  await caller.setRemoteDescription(echo.localDescription!);
  const tone = new BurstTone(RATE, FRAME);
  const samples = new Int16Array(FRAME);
  return (n) => {
    const inBurst = n % PERIOD_FRAMES;
    const index = Math.floor(n / PERIOD_FRAMES);
    if (inBurst < BURST_FRAMES) {
      if (inBurst === 0 && n >= WARMUP_FRAMES) sent.push({ index, at: performance.now() });
      tone.fill(samples, BURST_FREQUENCIES_HZ[index % BURST_FREQUENCIES_HZ.length], inBurst);
    } else samples.fill(0);
    mic.onData({ samples, sampleRate: RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME });
  };
}

const latencies: number[] = [];
const senders = [];
for (let i = 0; i < PAIRS; i++) senders.push(await pair(latencies));
await new Promise((r) => setTimeout(r, 1_000));
const start = performance.now();
for (let n = 0; n < FRAMES; n++) {
  await new Promise((r) => setTimeout(r, Math.max(0, start + n * 10 - performance.now())));
  for (const send of senders) send(n);
}
await new Promise((r) => setTimeout(r, 1_000));
latencies.sort((a, b) => a - b);
console.log(`WebRTC stack alone (${PAIRS} caller/echo pairs in one process, no gateway): ${latencies.length} bursts, round trip p50 ${fmt(percentile(latencies, 0.5))} ms, p99 ${fmt(percentile(latencies, 0.99))} ms`);
process.exit(0);
