/**
 * What Opus settings cost the gateway's encoder: peers that send like the gateway (a 24 kHz
 * RTCAudioSource, tone bursts and silence) to receiving peers whose offer carries each set of Opus
 * parameters (in an offer they configure the answerer's encoder), one fresh process per set, and
 * the CPU of each libwebrtc thread group per sending call. Run: npx tsx bench/webrtc-encoder.ts
 * (BENCH_PAIRS; BENCH_VARIANTS, a |-separated list of fmtp additions).
 */
import { execFileSync } from 'node:child_process';
import { iceGatheringDone } from '../src/edges/webrtc/signalling.ts';
import { RTCAudioSink, RTCAudioSource, RTCPeerConnection, type AudioFrame } from '../src/edges/webrtc/wrtc.ts';
import { cpuMsByThread } from './lib/proc.ts';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 10);
const VARIANTS = (process.env.BENCH_VARIANTS ?? '|useinbandfec=0|usedtx=1|maxplaybackrate=16000|maxaveragebitrate=16000|ptime=10').split('|');
const RATE = 24_000;
const FRAME = RATE / 100;
const WARMUP_FRAMES = 200;
const FRAMES = 700;

async function measure(fmtp: string): Promise<string> {
  const sources: InstanceType<typeof RTCAudioSource>[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const sender = new RTCPeerConnection();
    const receiver = new RTCPeerConnection();
    receiver.addTransceiver('audio', { direction: 'recvonly' });
    receiver.ontrack = (event) => {
      const sink = new RTCAudioSink(event.track);
      sink.ondata = (_frame: AudioFrame) => {};
    };
    await receiver.setLocalDescription(await receiver.createOffer());
    await iceGatheringDone(receiver, 1_000);
    const offer = receiver.localDescription!.sdp;
    await sender.setRemoteDescription({ type: 'offer', sdp: fmtp ? offer.replace(/^(a=fmtp:111 .*)$/m, `$1;${fmtp}`) : offer });
    const source = new RTCAudioSource();
    sender.addTrack(source.createTrack());
    sources.push(source);
    await sender.setLocalDescription(await sender.createAnswer());
    await iceGatheringDone(sender, 1_000);
    await receiver.setRemoteDescription(sender.localDescription!);
  }
  const samples = new Int16Array(FRAME);
  let before = new Map<string, number>();
  let at = 0;
  const start = performance.now();
  for (let n = 0; n < FRAMES; n++) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + n * 10 - performance.now())));
    const loud = n % 40 < 10;
    for (let i = 0; i < FRAME; i++) samples[i] = loud ? Math.round(8000 * Math.sin((2 * Math.PI * 800 * (n * FRAME + i)) / RATE)) : 0;
    for (const source of sources) source.onData({ samples, sampleRate: RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME });
    if (n === WARMUP_FRAMES) {
      before = cpuMsByThread(process.pid);
      at = performance.now();
    }
  }
  const ms = performance.now() - at;
  const groups: Record<string, number> = {};
  for (const [name, used] of cpuMsByThread(process.pid)) {
    const group = name === 'AudioEncoder' ? 'encoder' : name.startsWith('PeerConnectionF') ? 'network' : name.startsWith('TaskQueuePacedS') || name.startsWith('rtp_send_contro') ? 'pacers' : name.startsWith('TestAudioDevice') ? 'decode' : name === 'main' ? 'main' : 'other';
    groups[group] = (groups[group] ?? 0) + ((used - (before.get(name) ?? 0)) / ms) * 100 / PAIRS;
  }
  return `${(fmtp || '(the offer as it is)').padEnd(28)} ${['encoder', 'network', 'pacers', 'decode', 'main'].map((g) => (groups[g] ?? 0).toFixed(2).padStart(8)).join('')}`;
}

if (process.argv[2] !== undefined) {
  console.log(await measure(process.argv[2]));
  process.exit(0);
}
console.log(`Opus parameters on the offer, ${PAIRS} sending calls (and their receivers) in one process; % of a core per call (network, pacers, decode: both ends)`);
console.log(`${'fmtp added'.padEnd(28)}  encoder network  pacers  decode    main`);
for (const variant of VARIANTS) {
  process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', 'bench/webrtc-encoder.ts', variant], { encoding: 'utf8' }));
}
