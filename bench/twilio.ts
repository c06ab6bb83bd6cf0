/**
 * Phone-path benchmark: simulated Twilio calls stream 20 ms G.711 u-law frames in real time (the
 * real Media Streams messages; for the gateway, the signed voice webhook first) to an echo backend
 * and time each frame's round trip. Three relays are measured in the same run, level by level: the
 * gateway, a bare forwarder, and the Agents SDK's TwilioRealtimeTransportLayer (the reference).
 * Run: npm run bench:twilio  (BENCH_SECONDS, BENCH_LEVELS, BENCH_TARGETS to change the run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { waitForQuiet } from './lib/machine.ts';
import { startServer } from './lib/proc.ts';
import type { CallerPlan, CallerResult } from './lib/twilio-caller.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LEVELS = (process.env.BENCH_LEVELS ?? '50,100,200,400').split(',').map(Number);
const TARGETS = (process.env.BENCH_TARGETS ?? 'forwarder,reference,gateway').split(',');
const WARMUP_MS = 1500;
const DRAIN_MS = 3000;
const SETTLE_MS = 1000;
const HELD_P99_MS = 40;
const HELD_MAX_LOST = 0.01;
const MIN_PACE_PCT = 98;
const MAX_OTHER_PCT = 15;
const QUIET_WAIT_MS = 120_000;
const ATTEMPTS = 3;
const TOKEN = 'bench-twilio-auth-token';
const PUBLIC_URL = 'https://bench.invalid';

interface Result extends CallerResult {
  target: string;
  calls: number;
}

function startTarget(target: string, echoUrl: string): Promise<{ child: ChildProcess; url: string }> {
  if (target === 'forwarder') return startServer('bench/lib/twilio-forwarder.ts', [echoUrl], {});
  if (target === 'reference') return startServer('bench/lib/twilio-reference.ts', [echoUrl], {});
  if (target === 'gateway') {
    return startServer('src/main.ts', [], {
      PORT: '0', REALTIME_URL: echoUrl, OPENAI_API_KEY: '', LOG_LEVEL: 'warn', MAX_SESSIONS: '10000',
      SESSIONS_PER_MINUTE: '100000', TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_URL,
    });
  }
  throw new Error(`unknown target ${target} (BENCH_TARGETS takes forwarder, reference, gateway)`);
}

/** Runs one level against one relay in a fresh caller process and waits for its figures. */
function measure(target: string, plan: CallerPlan): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/twilio-caller.ts', JSON.stringify(plan)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve({ ...(result as CallerResult), target, calls: plan.calls }));
    child.once('exit', (code) => reject(new Error(`the callers for ${target} at ${plan.calls} calls exited with ${code}`)));
  });
}

/**
 * Measures a level once the machine is quiet, and again if something else still took a share of
 * the cores meanwhile (the row keeps its "other" figure either way, so a noisy one shows).
 */
async function measureQuietly(target: string, plan: CallerPlan): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    const waited = await waitForQuiet(MAX_OTHER_PCT, QUIET_WAIT_MS);
    if (waited >= QUIET_WAIT_MS) console.error(`${target} at ${plan.calls} calls: the machine stayed busy for ${QUIET_WAIT_MS / 1000} s; measuring anyway`);
    const result = await measure(target, plan);
    if (result.otherCpuPct <= MAX_OTHER_PCT || attempt === ATTEMPTS) return result;
    console.error(`${target} at ${plan.calls} calls: other processes used ${fmt(result.otherCpuPct, 0)} % of a core meanwhile; measuring again`);
  }
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const behind = (r: Result) => r.pacePct < MIN_PACE_PCT;
/** A level counts only if the callers offered all of it and nearly every frame came back in time. */
const held = (r: Result) => r.p99 <= HELD_P99_MS && r.lost <= HELD_MAX_LOST * r.sent && !behind(r);

/** The highest level up to which every level held; 0 if the lowest did not. */
function callsHeld(results: Result[], target: string): number {
  let best = 0;
  for (const calls of LEVELS) {
    const r = results.find((x) => x.target === target && x.calls === calls)!;
    if (!held(r)) break;
    best = calls;
  }
  return best;
}

async function main(): Promise<void> {
  const echo = await startServer('bench/lib/echo-backend.ts', [], {});
  const echoUrl = `${echo.url.replace('http', 'ws')}/v1/realtime`;
  const servers = new Map<string, { child: ChildProcess; url: string }>();
  const results: Result[] = [];
  try {
    for (const target of TARGETS) servers.set(target, await startTarget(target, echoUrl));
    for (const calls of LEVELS) {
      for (const target of TARGETS) {
        const server = servers.get(target)!;
        const plan: CallerPlan = {
          origin: `http://127.0.0.1:${new URL(server.url).port}`,
          webhook: target === 'gateway' ? { token: TOKEN, publicUrl: PUBLIC_URL } : undefined,
          calls, warmupMs: WARMUP_MS, seconds: SECONDS, drainMs: DRAIN_MS, relayPid: server.child.pid!, echoPid: echo.child.pid!,
        };
        const result = await measureQuietly(target, plan);
        if (result.dropped > 0) console.error(`${target} at ${calls} calls: ${result.dropped} streams closed by the relay, first: ${result.firstDrop}`);
        if (result.unexpected.length > 0) console.error(`${target} at ${calls} calls sent events a Twilio stream does not carry: ${result.unexpected.join(', ')}`);
        results.push(result);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
      }
    }
  } finally {
    for (const { child } of servers.values()) child.kill();
    echo.child.kill();
  }

  console.log(`\nphone path (Twilio Media Streams), ${SECONDS} s per level, 20 ms u-law frames in real time, round trip through an echo backend`);
  console.log(`${availableParallelism()} cores; callers and echo backend in their own processes, their CPU shown alongside, and "other":`);
  console.log('what the rest of the machine ran meanwhile; pace: the frames sent as a share of those real time asks for;');
  console.log(`lost: frames not back within ${DRAIN_MS / 1000} s of the end (later ones are timed, not lost)\n`);
  console.log('target     calls  p50 ms  p99 ms  max ms  CPU % core  CPU %/call  RSS MB  RSS KB/call   lost  pace %  callers %  echo %  other %');
  for (const r of results) {
    // Memory per call is the slope from the lowest level: the start-up heap (and the garbage a
    // level leaves behind) would swamp a per-level difference from idle.
    const base = results.find((b) => b.target === r.target && b.calls === LEVELS[0])!;
    const perCall = r.calls > base.calls ? ((r.relayRssMb - base.relayRssMb) * 1024) / (r.calls - base.calls) : NaN;
    console.log(`${r.target.padEnd(10)} ${String(r.calls).padStart(5)}  ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.max).padStart(6)}  ${fmt(r.relayCpuPct).padStart(10)}  ${fmt(r.relayCpuPct / r.calls, 3).padStart(10)}  ${fmt(r.relayRssMb, 0).padStart(6)}  ${fmt(perCall, 0).padStart(11)}  ${String(r.lost).padStart(5)}  ${fmt(r.pacePct, 0).padStart(6)}  ${fmt(r.callerCpuPct).padStart(9)}  ${fmt(r.echoCpuPct).padStart(6)}  ${fmt(r.otherCpuPct).padStart(7)}`);
  }
  const busiest = results.reduce((a, b) => (b.callerCpuPct > a.callerCpuPct ? b : a));
  console.log(`\nthe callers used at most ${fmt(busiest.callerCpuPct)} % of a core (${busiest.target}, ${busiest.calls} calls); near 100 % they, not the relay, set the latency`);
  const slowest = results.reduce((a, b) => (b.pacePct < a.pacePct ? b : a));
  if (slowest.pacePct < MIN_PACE_PCT) console.log(`the callers fell behind real time: ${fmt(slowest.pacePct, 0)} % of the frames due (${slowest.target}, ${slowest.calls} calls)`);
  const noisiest = results.reduce((a, b) => (b.otherCpuPct > a.otherCpuPct ? b : a));
  if (noisiest.otherCpuPct > MAX_OTHER_PCT) console.log(`WARNING: other processes used up to ${fmt(noisiest.otherCpuPct, 0)} % of a core (${noisiest.target}, ${noisiest.calls} calls): rows with a high "other" shared the machine and do not compare`);

  const has = (t: string) => TARGETS.includes(t);
  if (has('gateway') && has('forwarder')) {
    console.log('\ngateway / forwarder, same run:');
    for (const calls of LEVELS) {
      const f = results.find((r) => r.target === 'forwarder' && r.calls === calls)!;
      const g = results.find((r) => r.target === 'gateway' && r.calls === calls)!;
      const note = behind(f) || behind(g) ? '  (callers behind real time: not the full load)' : '';
      console.log(`  ${String(calls).padStart(4)} calls: CPU per call ×${fmt(g.relayCpuPct / f.relayCpuPct, 2)}, p99 ×${fmt(g.p99 / f.p99, 2)}${note}`);
    }
  }
  console.log(`\ncalls held with p99 <= ${HELD_P99_MS} ms (under ${HELD_MAX_LOST * 100} % of frames lost, callers at full pace) at every level up to, of ${LEVELS.join(', ')}:`);
  for (const target of TARGETS) {
    const n = callsHeld(results, target);
    console.log(`  ${target.padEnd(10)} ${n === 0 ? `none (not even ${LEVELS[0]})` : n === LEVELS.at(-1) ? `${n} (the highest level run)` : String(n)}`);
  }
  if (has('gateway') && has('reference')) {
    const g = callsHeld(results, 'gateway');
    const r = callsHeld(results, 'reference');
    console.log(`  gateway / reference: ${r === 0 ? `- (the reference held no level; the gateway ${g === 0 ? 'none either' : g})` : `×${fmt(g / r, 2)}`}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
