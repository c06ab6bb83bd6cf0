/**
 * Browser-path benchmark: simulated browsers (@roamhq/wrtc peers, in their own processes) call
 * `POST /v1/webrtc` and stream 48 kHz microphone audio in real time, marked tone bursts between
 * silence, to an echo backend; each burst's return times one round trip (two Opus passes, the
 * gateway's resampling and pacing, the client's jitter buffer). Per level it prints the round
 * trip, the audio lost, the gateway's CPU, memory, threads and file descriptors per session, and
 * how fast the gateway's event loop answers a `/healthz` probe sent every 200 ms.
 * Run: npm run bench:webrtc  (BENCH_SECONDS, BENCH_LEVELS, BENCH_RUNS; BENCH_GATEWAY_FLAGS adds
 * node flags to the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { spawnTs, fmt, median, percentile, sleep, type Child } from './lib/child.ts';
import { machineBusyMs, waitForQuiet } from './lib/machine.ts';
import { cpuMs, cpuMsByThread, fdCount, rssBytes, startServer, threadCount } from './lib/proc.ts';
import type { CallerPlan, CallerResult } from './lib/webrtc-caller.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LEVELS = (process.env.BENCH_LEVELS ?? '5,10,20,40').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const GATEWAY_FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? '').split(' ').filter(Boolean);
const WARMUP_MS = 2000;
const DRAIN_MS = 2000;
const SETTLE_MS = 1500;
const CALLS_PER_PROCESS = 10;
const PROBE_EVERY_MS = 200;
const MAX_OTHER_PCT = 15;
const QUIET_WAIT_MS = 5_000;
const HELD_P99_MS = 200;

interface Row {
  run: number;
  sessions: number;
  p50: number;
  p99: number;
  max: number;
  burstsLostPct: number;
  audioLostPct: number;
  gatewayCpuPct: number;
  rssMb: number;
  /** The slope from the lowest level (an idle figure would be swamped by the heap a level leaves). */
  rssKbPerSession: number;
  /** Growth over the idle gateway before the level, per session (these return to idle exactly). */
  threadsPerSession: number;
  fdsPerSession: number;
  probeP50: number;
  probeP99: number;
  probeMax: number;
  callersCpuPct: number;
  otherCpuPct: number;
  pacePct: number;
  /** Calls that never came up; the level ran with the others. */
  failed: number;
  dropped: number;
  firstDrop?: string;
  /** The gateway's CPU by thread (see THREAD_GROUPS), % of a core. */
  threads: Record<string, number>;
}

/** libwebrtc's thread names (cut to 15 characters by the kernel), grouped by what they do. */
const THREAD_GROUPS: [string, (name: string) => boolean][] = [
  ['main (JS)', (n) => n === 'main'],
  ['Opus encoders', (n) => n === 'AudioEncoder'],
  ['network+signalling', (n) => n.startsWith('PeerConnectionF')],
  ['decode+playout', (n) => n.startsWith('TestAudioDevice')],
  ['pacers', (n) => n.startsWith('TaskQueuePacedS') || n.startsWith('rtp_send_contro')],
  ['other', () => true],
];

function groupThreads(before: Map<string, number>, after: Map<string, number>, windowMs: number): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(THREAD_GROUPS.map(([g]) => [g, 0]));
  for (const [name, ms] of after) {
    const group = THREAD_GROUPS.find(([, match]) => match(name))![0];
    out[group] += ((ms - (before.get(name) ?? 0)) / windowMs) * 100;
  }
  return out;
}

interface Gauges {
  rss: number;
  threads: number;
  fds: number;
}

const gauges = (pid: number): Gauges => ({ rss: rssBytes(pid), threads: threadCount(pid), fds: fdCount(pid) });

/** Starts one caller process and resolves once its calls are up. */
function startCallers(plan: CallerPlan): Promise<{ child: ChildProcess; result: Promise<CallerResult> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/webrtc-caller.ts', JSON.stringify(plan)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let settle: (r: CallerResult) => void = () => {};
    const result = new Promise<CallerResult>((r) => (settle = r));
    child.on('message', (message: { type: string; result?: CallerResult }) => {
      if (message.type === 'ready') resolve({ child, result });
      if (message.type === 'result' && message.result) settle(message.result);
    });
    child.once('exit', (code) => reject(new Error(`callers exited with ${code} before they were ready`)));
  });
}

/** Times `/healthz` every PROBE_EVERY_MS until stopped: how long a request waits for the event loop. */
function probe(origin: string): { stop: () => number[] } {
  const times: number[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${origin}/healthz`).then((r) => r.arrayBuffer()).catch(() => undefined);
      if (running) times.push(performance.now() - started);
      await sleep(Math.max(0, started + PROBE_EVERY_MS - performance.now()));
    }
  };
  void loop();
  return { stop: () => { running = false; return times; } };
}

async function measure(gateway: Child, origin: string, echoPid: number, sessions: number, run: number): Promise<Row> {
  const idle = gauges(gateway.pid);
  const processes = Math.ceil(sessions / CALLS_PER_PROCESS);
  // One process at a time: the gateway lets one address hold only so many calls still connecting.
  const callers: Awaited<ReturnType<typeof startCallers>>[] = [];
  try {
    for (let p = 0; p < processes; p++) {
      const first = Math.floor((p * sessions) / processes);
      const calls = Math.floor(((p + 1) * sessions) / processes) - first;
      callers.push(await startCallers({ origin, calls, firstCall: first, totalCalls: sessions, warmupMs: WARMUP_MS, seconds: SECONDS, drainMs: DRAIN_MS }));
    }
  } catch (err) {
    for (const { child } of callers) child.kill();
    throw err;
  }
  for (const { child } of callers) child.send('go');
  await sleep(WARMUP_MS);
  const probes = probe(origin);
  const before = { gateway: cpuMs(gateway.pid), threads: cpuMsByThread(gateway.pid), echo: cpuMs(echoPid), machine: machineBusyMs(), at: performance.now() };
  await sleep((SECONDS * 1000) / 2);
  const live = gauges(gateway.pid);
  await sleep((SECONDS * 1000) / 2);
  const windowMs = performance.now() - before.at;
  const gatewayMs = cpuMs(gateway.pid) - before.gateway;
  const threads = groupThreads(before.threads, cpuMsByThread(gateway.pid), windowMs);
  const echoMs = cpuMs(echoPid) - before.echo;
  const machineMs = machineBusyMs() - before.machine;
  const probeTimes = probes.stop().sort((a, b) => a - b);
  const results = await Promise.all(callers.map((c) => c.result));
  await Promise.all(callers.map(({ child }) => new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)))));

  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const sum = (f: (r: CallerResult) => number) => results.reduce((a, r) => a + f(r), 0);
  // The callers' own clocks time their CPU over (nearly) the same window.
  const callersPct = (sum((r) => r.cpuMs) / windowMs) * 100;
  const drops = results.filter((r) => r.dropped > 0);
  return {
    run, sessions,
    p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN,
    burstsLostPct: (sum((r) => r.burstsLost) / sum((r) => r.burstsSent)) * 100,
    audioLostPct: (1 - sum((r) => r.toneHeardMs) / sum((r) => r.toneSentMs)) * 100,
    gatewayCpuPct: (gatewayMs / windowMs) * 100,
    rssMb: live.rss / 1024 / 1024,
    rssKbPerSession: NaN,
    threadsPerSession: (live.threads - idle.threads) / sessions,
    fdsPerSession: (live.fds - idle.fds) / sessions,
    probeP50: percentile(probeTimes, 0.5), probeP99: percentile(probeTimes, 0.99), probeMax: probeTimes.at(-1) ?? NaN,
    callersCpuPct: callersPct,
    otherCpuPct: Math.max(0, ((machineMs - gatewayMs - echoMs) / windowMs) * 100 - callersPct),
    pacePct: median(results.map((r) => r.pacePct)),
    failed: sum((r) => r.failed), dropped: sum((r) => r.dropped), firstDrop: drops[0]?.firstDrop, threads,
  };
}

const HEADER = 'sessions  p50 ms  p99 ms  max ms  bursts lost %  audio lost %  CPU % core  CPU %/session  RSS MB  RSS KB/session  threads/session  fds/session  healthz p50/p99/max ms  callers % core  other %';

function line(r: Omit<Row, 'run' | 'failed' | 'dropped' | 'firstDrop' | 'pacePct' | 'threads'>, label = ''): string {
  return `${String(r.sessions).padStart(8)}  ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.max).padStart(6)}  ${fmt(r.burstsLostPct, 1).padStart(13)}  ${fmt(r.audioLostPct, 1).padStart(12)}  ${fmt(r.gatewayCpuPct, 1).padStart(10)}  ${fmt(r.gatewayCpuPct / r.sessions, 2).padStart(13)}  ${fmt(r.rssMb).padStart(6)}  ${fmt(r.rssKbPerSession).padStart(14)}  ${fmt(r.threadsPerSession, 1).padStart(15)}  ${fmt(r.fdsPerSession, 1).padStart(11)}  ${`${fmt(r.probeP50, 1)}/${fmt(r.probeP99, 1)}/${fmt(r.probeMax, 0)}`.padStart(22)}  ${fmt(r.callersCpuPct, 0).padStart(14)}  ${fmt(r.otherCpuPct, 0).padStart(7)}${label}`;
}

async function main(): Promise<void> {
  const echo = await startServer('bench/lib/echo-backend.ts', [], {});
  const echoUrl = `${echo.url.replace('http', 'ws')}/v1/realtime`;
  const gateway = await spawnTs('src/main.ts', [], {
    pattern: /open (http:\/\/[^\s/]+)\//,
    nodeFlags: GATEWAY_FLAGS,
    // The gateway's warnings (pino JSON on stdout), with BENCH_VERBOSE=1.
    onLine: process.env.BENCH_VERBOSE ? (text) => console.error(text) : undefined,
    env: { PORT: '0', REALTIME_URL: echoUrl, OPENAI_API_KEY: '', LOG_LEVEL: 'warn', MAX_SESSIONS: '10000', SESSIONS_PER_MINUTE: '100000', DRAIN_TIMEOUT_S: '0', RECORDS: 'off' },
  });
  const origin = gateway.match;
  // Interrupted, the bench takes its servers down with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      gateway.child.kill('SIGKILL');
      echo.child.kill();
      process.exit(130);
    });
  }
  const rows: Row[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const sessions of LEVELS) {
        const waited = await waitForQuiet(MAX_OTHER_PCT, QUIET_WAIT_MS);
        if (waited >= QUIET_WAIT_MS) console.error(`${sessions} sessions: the machine stayed busy for ${QUIET_WAIT_MS / 1000} s; measuring anyway`);
        const row = await measure(gateway, origin, echo.child.pid!, sessions, run);
        if (row.failed > 0) console.error(`${sessions} sessions: ${row.failed} calls never came up`);
        if (row.dropped > 0) console.error(`${sessions} sessions: ${row.dropped} calls dropped, first: ${row.firstDrop}`);
        if (row.pacePct < 98) console.error(`${sessions} sessions: the callers sent only ${fmt(row.pacePct, 0)} % of the frames due`);
        const base = rows.find((r) => r.run === run && r.sessions === LEVELS[0]);
        if (base && sessions > base.sessions) row.rssKbPerSession = ((row.rssMb - base.rssMb) * 1024) / (sessions - base.sessions);
        rows.push(row);
        // Each row as it comes, so an interrupted run still leaves its figures.
        console.error(`${HEADER}\n${line(row, `  run ${run}`)}`);
        await sleep(SETTLE_MS);
      }
    }
  } finally {
    await gateway.stop(10_000);
    echo.child.kill();
  }

  console.log(`\nbrowser path (POST /v1/webrtc), ${SECONDS} s per level, ${RUNS} run(s); 48 kHz microphone audio in real time (100 ms tone bursts every 400 ms, each burst's`);
  console.log('frequency marks it), round trip through an echo backend: from the 10 ms frame that starts a burst leaving the caller to its first loud frame');
  console.log(`coming out of the caller's jitter buffer. ${availableParallelism()} cores; callers (${CALLS_PER_PROCESS} per process) and echo backend in their own processes;`);
  console.log('"other": what the rest of the machine ran meanwhile. Threads and fds per session: the growth over the idle gateway before the level;');
  console.log(`RSS per session: the slope from ${LEVELS[0]} sessions.\n`);
  console.log(`${HEADER}  run`);
  for (const r of rows) console.log(line(r, `  ${r.run}`));
  if (RUNS > 1) {
    console.log(`\nmedians of ${RUNS} runs:\n${HEADER}`);
    for (const sessions of LEVELS) {
      const of = rows.filter((r) => r.sessions === sessions);
      const m = (f: (r: Row) => number) => median(of.map(f));
      console.log(line({
        sessions, p50: m((r) => r.p50), p99: m((r) => r.p99), max: m((r) => r.max), burstsLostPct: m((r) => r.burstsLostPct), audioLostPct: m((r) => r.audioLostPct),
        gatewayCpuPct: m((r) => r.gatewayCpuPct), rssMb: m((r) => r.rssMb), rssKbPerSession: m((r) => r.rssKbPerSession), threadsPerSession: m((r) => r.threadsPerSession),
        fdsPerSession: m((r) => r.fdsPerSession), probeP50: m((r) => r.probeP50), probeP99: m((r) => r.probeP99), probeMax: m((r) => r.probeMax),
        callersCpuPct: m((r) => r.callersCpuPct), otherCpuPct: m((r) => r.otherCpuPct),
      }));
    }
  }
  console.log('\nthe gateway\'s CPU by thread, % of a core per session (medians over runs):');
  console.log(`sessions  ${THREAD_GROUPS.map(([g]) => g.padStart(18)).join('  ')}`);
  for (const sessions of LEVELS) {
    const of = rows.filter((r) => r.sessions === sessions);
    console.log(`${String(sessions).padStart(8)}  ${THREAD_GROUPS.map(([g]) => fmt(median(of.map((r) => r.threads[g] / sessions)), 2).padStart(18)).join('  ')}`);
  }
  const held = LEVELS.filter((s) => median(rows.filter((r) => r.sessions === s).map((r) => r.p99)) <= HELD_P99_MS);
  console.log(`\nlevels with p99 <= ${HELD_P99_MS} ms (median over runs): ${held.join(', ') || 'none'}`);
  const busiest = rows.reduce((a, b) => (b.callersCpuPct > a.callersCpuPct ? b : a));
  console.log(`the callers used up to ${fmt(busiest.callersCpuPct, 0)} % of a core (${busiest.sessions} sessions) of the ${availableParallelism() * 100} % the machine has`);
  const noisiest = rows.reduce((a, b) => (b.otherCpuPct > a.otherCpuPct ? b : a));
  if (noisiest.otherCpuPct > MAX_OTHER_PCT) console.log(`WARNING: other processes used up to ${fmt(noisiest.otherCpuPct, 0)} % of a core (${noisiest.sessions} sessions); that row shared the machine`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
