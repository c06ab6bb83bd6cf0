import { machineBusyMs } from './machine.ts';
import { cpuMs, rssBytes } from './proc.ts';
import { Call, dial, hex32, type Webhook } from './twilio-call.ts';

/**
 * The simulated phones for one target at one level, in their own process (started by
 * bench/twilio.ts with a plan in argv and an IPC channel for the result): a fresh heap per
 * measurement, and its CPU is counted apart from the relay's. It times the relay's CPU from /proc
 * itself, on the same clock that paces the frames.
 */

export interface CallerPlan {
  origin: string;
  webhook?: Webhook;
  calls: number;
  warmupMs: number;
  seconds: number;
  /** How long after the window late frames are still waited for (and timed). */
  drainMs: number;
  relayPid: number;
  echoPid: number;
}

export interface CallerResult {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  /** `sent` as a share of what real time asks for: below 100 the callers could not keep pace. */
  pacePct: number;
  /** Measured frames not back within `drainMs` of the window's end. */
  lost: number;
  relayCpuPct: number;
  echoCpuPct: number;
  callerCpuPct: number;
  /** Everything else the machine ran meanwhile (other processes, the kernel), % of a core. */
  otherCpuPct: number;
  relayRssMb: number;
  /** How many streams the relay closed before we hung up, and the first reason. */
  dropped: number;
  firstDrop?: string;
  unexpected: string[];
}

const FRAME_MS = 20;
const FRAME_BYTES = 8 * FRAME_MS;
const SLOTS = 4;
const DIAL_CONCURRENCY = 20;
const DRAIN_POLL_MS = 20;
const HANGUP_MS = 2000;

async function run(plan: CallerPlan): Promise<CallerResult> {
  // A frame's id is its index here, stamped in its first 4 bytes (any byte is valid u-law) and
  // read back from the echo; `owner` ties it to its call, so audio that is not an echoed frame is ignored.
  const capacity = plan.calls * (Math.ceil((plan.warmupMs + plan.seconds * 1000) / FRAME_MS) + 2);
  const sentAt = new Float64Array(capacity);
  const owner = new Int32Array(capacity).fill(-1);
  const received = new Uint8Array(capacity);
  const latencies: number[] = [];
  let nextId = 0;
  let firstMeasured = Infinity;
  let endMeasured = Infinity;
  let counting = true;

  const accountSid = `AC${hex32()}`;
  const calls: { call: Call; callSid: string }[] = new Array(plan.calls);
  let dialled = 0;
  await Promise.all(Array.from({ length: DIAL_CONCURRENCY }, async () => {
    while (dialled < plan.calls) {
      const index = dialled++;
      calls[index] = await dial({
        origin: plan.origin,
        webhook: plan.webhook,
        accountSid,
        from: `+1555${String(index).padStart(7, '0')}`,
        onAudio: (payload, at) => {
          const id = Buffer.from(payload.slice(0, 8), 'base64').readUInt32LE(0);
          if (id >= nextId || owner[id] !== index || received[id]) return;
          received[id] = 1;
          if (counting && id >= firstMeasured && id < endMeasured) latencies.push(at - sentAt[id]);
        },
      });
    }
  }));

  const frame = Buffer.alloc(FRAME_BYTES, 0xff);
  let cpu0 = { relay: 0, echo: 0, self: process.cpuUsage(), machine: 0, at: 0 };
  let cpu = { relay: 0, echo: 0, self: 0, machine: 0, ms: 1 };
  let relayRss = 0;
  const start = performance.now();
  let tick = 0;
  await new Promise<void>((resolve) => {
    // Phones are not in lockstep: each 20 ms period is split into slots, each slot sending for
    // its share of the calls, so the load arrives spread out as it would from real callers.
    const step = () => {
      const now = performance.now();
      if (firstMeasured === Infinity && now - start >= plan.warmupMs) {
        firstMeasured = nextId;
        cpu0 = { relay: cpuMs(plan.relayPid), echo: cpuMs(plan.echoPid), self: process.cpuUsage(), machine: machineBusyMs(), at: now };
      }
      for (const { call } of calls) call.flushMarks(now);
      for (let c = tick % SLOTS; c < calls.length; c += SLOTS) {
        const id = nextId++;
        frame.writeUInt32LE(id, 0);
        owner[id] = c;
        sentAt[id] = performance.now();
        calls[c].call.sendAudio(frame.toString('base64'));
      }
      tick++;
      if (now - start >= plan.warmupMs + plan.seconds * 1000) {
        endMeasured = nextId;
        const self = process.cpuUsage(cpu0.self);
        cpu = {
          relay: cpuMs(plan.relayPid) - cpu0.relay, echo: cpuMs(plan.echoPid) - cpu0.echo, self: (self.user + self.system) / 1000,
          machine: machineBusyMs() - cpu0.machine, ms: now - cpu0.at,
        };
        relayRss = rssBytes(plan.relayPid);
        return resolve();
      }
      // Drift-corrected real-time pacing: slot k is due at start + k × (20 ms / SLOTS).
      setTimeout(step, Math.max(0, start + (tick * FRAME_MS) / SLOTS - performance.now()));
    };
    step();
  });
  // Late frames are still timed (a relay behind by seconds shows as such, not as lost) until every
  // measured frame is back or the drain runs out; meanwhile nothing new is sent.
  const drainStart = performance.now();
  while (latencies.length < endMeasured - firstMeasured && performance.now() - drainStart < plan.drainMs) {
    await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    for (const { call } of calls) call.flushMarks(performance.now());
  }
  counting = false;
  const drops = calls.map(({ call }) => call.droppedBy).filter((d) => d !== undefined);
  const unexpected = [...new Set(calls.flatMap(({ call }) => [...call.unexpected]))];
  // A relay that never answers the close handshake must not hold the next measurement.
  await Promise.race([Promise.all(calls.map(({ call, callSid }) => call.hangUp(accountSid, callSid))), new Promise((r) => setTimeout(r, HANGUP_MS))]);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const sent = endMeasured - firstMeasured;
  return {
    p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN,
    sent, lost: sent - latencies.length,
    pacePct: (sent / ((plan.calls * plan.seconds * 1000) / FRAME_MS)) * 100,
    relayCpuPct: (cpu.relay / cpu.ms) * 100,
    echoCpuPct: (cpu.echo / cpu.ms) * 100,
    callerCpuPct: (cpu.self / cpu.ms) * 100,
    otherCpuPct: (Math.max(0, cpu.machine - cpu.relay - cpu.echo - cpu.self) / cpu.ms) * 100,
    relayRssMb: relayRss / 1024 / 1024,
    dropped: drops.length, firstDrop: drops[0], unexpected,
  };
}

run(JSON.parse(process.argv[2]) as CallerPlan).then(
  (result) => process.send!(result, () => process.exit(0)),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
