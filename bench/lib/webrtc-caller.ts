import { iceGatheringDone } from '../../src/edges/webrtc/signalling.ts';
import { RTCAudioSink, RTCAudioSource, RTCPeerConnection, type AudioFrame, type AudioSink } from '../../src/edges/webrtc/wrtc.ts';
import { BURST_FREQUENCIES_HZ, BurstDetector, BurstTone } from './webrtc-bursts.ts';

/**
 * Simulated browsers for bench/webrtc.ts, in their own process (a plan in argv, an IPC channel):
 * each is a @roamhq/wrtc peer that offers audio + the `events` channel over `POST /v1/webrtc` and
 * streams 48 kHz microphone audio in real time: marked tone bursts (each burst's frequency says
 * which it is) between silence. The echo backend sends the audio back, so each burst's return
 * through the gateway's Opus, the network and our jitter buffer times one round trip.
 *
 * Protocol: -> `ready` once every call is up; <- `go`; -> `result` after the window and the drain.
 */

export interface CallerPlan {
  origin: string;
  calls: number;
  /** Index of this process's first call among all the bench's calls (spreads the burst phases). */
  firstCall: number;
  totalCalls: number;
  warmupMs: number;
  seconds: number;
  drainMs: number;
}

export interface CallerResult {
  /** Round trips of the bursts that started in the window and came back, ms. */
  latencies: number[];
  burstsSent: number;
  burstsLost: number;
  /** Tone sent in the window's bursts and tone heard back of them, ms. */
  toneSentMs: number;
  toneHeardMs: number;
  /** This process's CPU over the window (all its threads), ms, and the window's length. */
  cpuMs: number;
  windowMs: number;
  /** How late the frame clock ran: the share of due frames actually sent in the window. */
  pacePct: number;
  /** Calls that did not come up (no answer, no session.ready) within CONNECT_TIMEOUT_MS. */
  failed: number;
  /** Calls whose peer or channel closed before the end, and the first reason. */
  dropped: number;
  firstDrop?: string;
}

const MIC_RATE_HZ = 48_000;
const FRAME_MS = 10;
const FRAME_SAMPLES = (MIC_RATE_HZ * FRAME_MS) / 1000;
/** One burst every this many frames, each BURST_FRAMES long; the rest is silence. */
const PERIOD_FRAMES = 40;
const BURST_FRAMES = 10;
/** The 10 ms clock is split into slots, each sending for its share of the calls. */
const SLOTS = 4;
const CONNECT_CONCURRENCY = 4;
const CONNECT_TIMEOUT_MS = 10_000;
const HANGUP_TIMEOUT_MS = 3_000;

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Burst {
  index: number;
  sentAt: number;
  heardAt?: number;
  heardFrames: number;
  measured: boolean;
}

class BenchCall {
  readonly pc = new RTCPeerConnection();
  readonly channel: RTCDataChannel;
  readonly bursts: Burst[] = [];
  droppedBy?: string;
  readonly #source = new RTCAudioSource();
  readonly #track = this.#source.createTrack();
  readonly #frame = new Int16Array(FRAME_SAMPLES);
  readonly #tone = new BurstTone(MIC_RATE_HZ, FRAME_SAMPLES);
  readonly #detector = new BurstDetector();
  #sink: AudioSink | undefined;
  /** The burst whose return is playing now, if it was matched. */
  #hearing: Burst | undefined;
  #frameNo = 0;
  #ready!: Promise<void>;
  #hungUp = false;
  #location = '';
  #key = '';

  constructor(readonly phase: number) {
    this.pc.addTrack(this.#track);
    this.channel = this.pc.createDataChannel('events');
    this.#ready = new Promise((resolve) => {
      this.channel.onmessage = (event: MessageEvent<string>) => {
        if (event.data.includes('"session.ready"')) resolve();
      };
    });
    this.channel.onclose = () => {
      if (!this.#hungUp) this.droppedBy ??= 'events channel closed';
    };
    this.pc.ontrack = (event) => {
      const sink = new RTCAudioSink(event.track);
      sink.ondata = (frame: AudioFrame) => this.#heard(frame);
      this.#sink = sink;
    };
  }

  async connect(origin: string): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await iceGatheringDone(this.pc, 2_000);
    const res = await fetch(`${origin}/v1/webrtc`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: this.pc.localDescription?.sdp });
    if (res.status !== 201) throw new Error(`POST /v1/webrtc answered ${res.status}: ${await res.text()}`);
    this.#location = res.headers.get('location') ?? '';
    this.#key = res.headers.get('vg-call-key') ?? '';
    await this.pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await this.#ready;
  }

  /** One 10 ms microphone frame: a burst's tone or silence. */
  sendFrame(now: number, measuring: boolean): void {
    const n = this.#frameNo++ + this.phase;
    const inBurst = n % PERIOD_FRAMES;
    if (inBurst < BURST_FRAMES) {
      const index = Math.floor(n / PERIOD_FRAMES);
      if (inBurst === 0) this.bursts.push({ index, sentAt: now, heardFrames: 0, measured: measuring });
      this.#tone.fill(this.#frame, BURST_FREQUENCIES_HZ[index % BURST_FREQUENCIES_HZ.length], inBurst);
    } else if (inBurst === BURST_FRAMES) {
      this.#frame.fill(0);
    }
    this.#source.onData({ samples: this.#frame, sampleRate: MIC_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
  }

  #heard(frame: AudioFrame): void {
    const now = performance.now();
    const heard = this.#detector.push(frame.samples.subarray(0, frame.numberOfFrames * frame.channelCount), frame.sampleRate, now);
    if (heard.onset) {
      // The burst this onset answers: the oldest unheard one of its frequency sent before it; one
      // older than a full turn of the frequencies would be another, lost, burst.
      const turnMs = PERIOD_FRAMES * FRAME_MS * BURST_FREQUENCIES_HZ.length;
      const burst = this.bursts.find((b) => b.heardAt === undefined && b.index % BURST_FREQUENCIES_HZ.length === heard.onset!.frequencyIndex
        && b.sentAt < heard.onset!.atMs && heard.onset!.atMs - b.sentAt < turnMs);
      if (burst) {
        burst.heardAt = heard.onset.atMs;
        burst.heardFrames = 1;
      }
      this.#hearing = burst;
    }
    if (heard.toneFrame && this.#hearing) this.#hearing.heardFrames++;
  }

  async hangUp(origin: string): Promise<void> {
    this.#hungUp = true;
    if (this.#location) {
      const deleted = fetch(`${origin}${this.#location}`, { method: 'DELETE', headers: { authorization: `Bearer ${this.#key}` } });
      await within(deleted, HANGUP_TIMEOUT_MS, 'DELETE').catch(() => undefined);
    }
    this.#sink?.stop();
    this.#track.stop();
    this.pc.close();
  }
}

async function run(plan: CallerPlan): Promise<CallerResult> {
  const placed = Array.from({ length: plan.calls }, (_, i) => new BenchCall(Math.floor(((plan.firstCall + i) * PERIOD_FRAMES) / plan.totalCalls)));
  const calls: BenchCall[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, placed.length) }, async () => {
    while (next < placed.length) {
      const call = placed[next++];
      try {
        await within(call.connect(plan.origin), CONNECT_TIMEOUT_MS, 'connecting');
        calls.push(call);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
        void call.hangUp(plan.origin);
      }
    }
  }));
  if (failures.length > 0) console.error(`${failures.length} of ${placed.length} calls did not come up, first: ${failures[0]}`);
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const start = performance.now();
  let tick = 0;
  let measuring = false;
  let cpu0 = process.cpuUsage();
  let at0 = 0;
  let framesMeasured = 0;
  let cpuMs = 0;
  let windowMs = 0;
  const endMs = plan.warmupMs + plan.seconds * 1000;
  await new Promise<void>((resolve) => {
    const step = () => {
      const now = performance.now();
      if (!measuring && windowMs === 0 && now - start >= plan.warmupMs) {
        measuring = true;
        cpu0 = process.cpuUsage();
        at0 = now;
      }
      if (measuring && now - start >= endMs) {
        measuring = false;
        const used = process.cpuUsage(cpu0);
        cpuMs = (used.user + used.system) / 1000;
        windowMs = now - at0;
      }
      for (let c = tick % SLOTS; c < calls.length; c += SLOTS) {
        calls[c].sendFrame(performance.now(), measuring);
        if (measuring) framesMeasured++;
      }
      tick++;
      // Silence (and the bursts' returns) goes on through the drain; only the window's bursts count.
      if (now - start >= endMs + plan.drainMs) return resolve();
      setTimeout(step, Math.max(0, start + (tick * FRAME_MS) / SLOTS - performance.now()));
    };
    step();
  });

  const latencies: number[] = [];
  let burstsSent = 0;
  let burstsLost = 0;
  let heardFrames = 0;
  for (const call of calls) {
    for (const burst of call.bursts) {
      if (!burst.measured) continue;
      burstsSent++;
      if (burst.heardAt === undefined) burstsLost++;
      else latencies.push(burst.heardAt - burst.sentAt);
      heardFrames += Math.min(BURST_FRAMES, burst.heardFrames);
    }
  }
  const drops = calls.map((c) => c.droppedBy).filter((d) => d !== undefined);
  await Promise.all(calls.map((c) => c.hangUp(plan.origin)));
  return {
    latencies, burstsSent, burstsLost,
    toneSentMs: burstsSent * BURST_FRAMES * FRAME_MS, toneHeardMs: heardFrames * FRAME_MS,
    cpuMs, windowMs,
    pacePct: (framesMeasured / ((plan.calls * windowMs) / FRAME_MS)) * 100,
    failed: failures.length, dropped: drops.length, firstDrop: drops[0],
  };
}

run(JSON.parse(process.argv[2]) as CallerPlan).then(
  (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
