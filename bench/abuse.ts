/**
 * "One abusive client beside healthy calls": healthy kiosk calls stream 20 ms PCM16 frames in real
 * time through the gateway (src/main.ts, a child process) to an echo backend and time each frame's
 * round trip, as bench/kiosk.ts does, through a series of phases: first without abuse, then with
 * each kind of abusive client beside them in turn, then all at once. Each abuser is its own process
 * (bench/lib/abuser.ts), from its own loopback address (so the per-address session limit applies
 * to it alone; each healthy device has its own address too). Printed per phase: the healthy calls'
 * p50/p99/max and lost frames, the gateway's CPU and RSS at the start and end (and peak), the CPU
 * of the client processes, and what became of every abusive connection, from the gateway's log
 * and from the client's side.
 *
 * Run: npx tsx bench/abuse.ts
 *   BENCH_SECONDS (5)         length of each measured phase
 *   BENCH_HEALTHY (50)        healthy calls, streaming through every phase
 *   BENCH_PHASES              default none,polite,bad-json,fast-audio,fast-frames,no-read,all
 *                             (polite: one more well-behaved call joins, the control for a call's start-up cost)
 *   BENCH_ROUNDS (1)          the phase list is run this many times over (the same gateway); with more
 *                             than one, per-phase medians are printed too (the machine may be shared)
 *   BENCH_SETTLE_MS (2000)    unmeasured gap before each phase (the abusers start up in it)
 *   BENCH_TALK_PACE (20)      how much faster than real time the agent's long answer streams
 *   BENCH_ABUSER_RECONNECT (1) an abuser reconnects after each connection it loses
 *   BENCH_FLOOD_FPS (0)       bad-json frames a second; 0 = as fast as its socket takes them
 */
import WebSocket from 'ws';
import { ABUSER_KINDS, CLIENT_KINDS, type AbuserConn, type AbuserKind, type AbuserReport } from './lib/abuser-report.ts';
import { fmt, loadavg, median, percentile, sleep, spawnTs, type Child } from './lib/child.ts';
import { cpuMs as cpuMsOf, rssBytes } from './lib/proc.ts';

const rssMbOf = (pid: number): number => rssBytes(pid) / 1024 / 1024;

const FRAME_MS = 20;
const FRAME_BYTES = 48 * FRAME_MS;
const SLOTS = 4;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const HEALTHY = Number(process.env.BENCH_HEALTHY ?? 50);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 2000);
const TALK_PACE = Number(process.env.BENCH_TALK_PACE ?? 20);
type Phase = 'none' | AbuserKind | 'all';
const PHASES = (process.env.BENCH_PHASES ?? 'none,polite,bad-json,fast-audio,fast-frames,no-read,all').split(',') as Phase[];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SEQUENCE: Phase[] = Array.from({ length: ROUNDS }, () => PHASES).flat();
for (const phase of PHASES) {
  if (phase !== 'none' && phase !== 'all' && !CLIENT_KINDS.includes(phase)) throw new Error(`unknown phase ${phase}`);
}

/** What the gateway's log says about one request (a session, or a refused upgrade). */
interface GatewayRequest {
  reqId: string;
  addr?: string;
  port?: number;
  /** Date.now() of `incoming request`. */
  at?: number;
  status?: number;
  live?: number;
  ended?: number;
  reason?: string;
  limit?: string;
  dropped?: { audioBytes: number; events: number; errors: number; microphoneMs: number };
  startFailure?: string;
}

interface PhaseResult {
  phase: Phase;
  round: number;
  frames: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  /** Share of frames whose round trip took over 50 ms. */
  over50: number;
  gwCpuPct: number;
  rssStart: number;
  rssEnd: number;
  rssPeak: number;
  benchCpuPct: number;
  abusers: { kind: AbuserKind; addr: string; cpuPct: number; report?: AbuserReport; startWall: number }[];
  load: string;
}

const requests = new Map<string, GatewayRequest>();

function onGatewayLine(line: string): void {
  if (!line.startsWith('{')) return;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const reqId = entry.reqId as string | undefined;
  if (!reqId) return;
  let r = requests.get(reqId);
  if (!r) requests.set(reqId, (r = { reqId }));
  const time = entry.time as number;
  switch (entry.msg) {
    case 'incoming request': {
      const req = entry.req as { remoteAddress?: string; remotePort?: number };
      r.addr = req.remoteAddress;
      r.port = req.remotePort;
      r.at = time;
      break;
    }
    case 'request completed':
      r.status = (entry.res as { statusCode?: number } | undefined)?.statusCode;
      break;
    case 'session live':
      r.live = time;
      break;
    case 'device closed for breaking a limit':
      r.limit = entry.code as string;
      break;
    case 'device limits held traffic back':
      r.dropped = entry.dropped as GatewayRequest['dropped'];
      break;
    case 'session ended':
      r.ended = time;
      r.reason = entry.reason as string;
      break;
    case 'session could not start':
      r.startFailure = `${entry.reason as string}: ${((entry.err as { message?: string } | undefined)?.message ?? '').slice(0, 90)}`;
      break;
  }
}

async function main(): Promise<void> {
  const backend = await spawnTs('bench/lib/talk-backend.ts', ['600', String(TALK_PACE)], { pattern: /open (http:\/\/[^\s/]+)\// });
  const gateway = await spawnTs('src/main.ts', [], {
    pattern: /open (http:\/\/[^\s/]+)\//,
    onLine: onGatewayLine,
    env: {
      PORT: '0', REALTIME_URL: `${backend.match.replace('http', 'ws')}/v1/realtime`, LOG_LEVEL: 'info', OPENAI_API_KEY: '',
      MAX_SESSIONS: '10000', DRAIN_TIMEOUT_S: '0',
    },
  });
  const wsUrl = `${gateway.match.replace('http', 'ws')}/v1/ws`;
  const results: PhaseResult[] = [];
  try {
    results.push(...await run(wsUrl, gateway.pid));
  } finally {
    await gateway.stop();
    await backend.stop();
  }
  print(results);
}

async function run(wsUrl: string, gatewayPid: number): Promise<PhaseResult[]> {
  // Each healthy device from its own loopback address, as kiosks would come from their own.
  const devices = await Promise.all(Array.from({ length: HEALTHY }, (_, i) => connect(wsUrl, `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`)));
  let healthyClosed = 0;
  for (const ws of devices) ws.on('close', () => healthyClosed++);
  const capacity = Math.ceil(HEALTHY * (1000 / FRAME_MS) * (SEQUENCE.length * (SECONDS + SETTLE_MS / 1000 + 10) + 30));
  const sentAt = new Float64Array(capacity);
  const recvAt = new Float64Array(capacity);
  const phaseOf = new Int8Array(capacity).fill(-1);
  let current = -1;
  let seq = 0;
  for (const ws of devices) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const id = (data as Buffer).readUInt32LE(0);
      if (id < capacity && recvAt[id] === 0) recvAt[id] = performance.now();
    });
  }
  // Drift-corrected real-time pacing, each 20 ms split into slots (devices are not in lockstep).
  const frame = Buffer.alloc(FRAME_BYTES);
  const start = performance.now();
  let tick = 0;
  let streaming = true;
  const step = () => {
    if (!streaming) return;
    const slot = tick % SLOTS;
    for (let d = slot; d < devices.length; d += SLOTS) {
      if (devices[d].readyState !== WebSocket.OPEN) continue;
      const id = seq++;
      if (id < capacity) {
        frame.writeUInt32LE(id, 0);
        sentAt[id] = performance.now();
        phaseOf[id] = current;
      }
      devices[d].send(frame);
    }
    tick++;
    setTimeout(step, Math.max(0, start + (tick * FRAME_MS) / SLOTS - performance.now()));
  };
  step();
  await sleep(1500);

  const results: PhaseResult[] = [];
  for (const [i, phase] of SEQUENCE.entries()) {
    const kinds: AbuserKind[] = phase === 'none' ? [] : phase === 'all' ? [...ABUSER_KINDS] : [phase];
    const abusers = await Promise.all(kinds.map(async (kind, k) => {
      const addr = `127.0.${2 + Math.floor(i / 25)}.${(i % 25) * 10 + k + 1}`;
      let report: AbuserReport | undefined;
      const child = await spawnTs('bench/lib/abuser.ts', [kind, wsUrl, addr], {
        pattern: /abuser (ready)/,
        stdin: 'pipe',
        env: { BENCH_ABUSER_GO: 'stdin' },
        onLine: (line) => {
          if (line.startsWith('REPORT ')) report = JSON.parse(line.slice(7)) as AbuserReport;
        },
      });
      return { kind, addr, child, report: () => report };
    }));
    await sleep(SETTLE_MS);
    const rssStart = rssMbOf(gatewayPid);
    const gwCpu0 = cpuMsOf(gatewayPid);
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    const startWall = Date.now();
    current = i;
    const abuserCpu0 = abusers.map((a) => cpuMsOf(a.child.pid));
    for (const a of abusers) a.child.child.stdin?.write('go\n');
    let rssPeak = rssStart;
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(250);
      rssPeak = Math.max(rssPeak, rssMbOf(gatewayPid));
    }
    current = -1;
    const elapsed = performance.now() - t0;
    const gwCpu = cpuMsOf(gatewayPid) - gwCpu0;
    const bench = process.cpuUsage(bench0);
    const rssEnd = rssMbOf(gatewayPid);
    const abuserCpu = abusers.map((a, k) => cpuMsOf(a.child.pid) - abuserCpu0[k]);
    const load = loadavg();
    await Promise.all(abusers.map((a) => stopAbuser(a.child)));
    // Echoes still in flight at the phase's end.
    await sleep(500);
    const latencies: number[] = [];
    let frames = 0;
    for (let id = 0; id < Math.min(seq, capacity); id++) {
      if (phaseOf[id] !== i) continue;
      frames++;
      if (recvAt[id] > 0) latencies.push(recvAt[id] - sentAt[id]);
    }
    latencies.sort((a, b) => a - b);
    results.push({
      phase, round: Math.floor(i / PHASES.length) + 1, frames,
      p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN,
      lost: frames - latencies.length,
      over50: latencies.length ? latencies.filter((l) => l > 50).length / latencies.length : NaN,
      gwCpuPct: (gwCpu / elapsed) * 100,
      rssStart, rssEnd, rssPeak,
      benchCpuPct: ((bench.user + bench.system) / 1000 / elapsed) * 100,
      abusers: abusers.map((a, k) => ({ kind: a.kind, addr: a.addr, cpuPct: (abuserCpu[k] / elapsed) * 100, report: a.report(), startWall })),
      load,
    });
    console.error(`phase ${phase} (round ${Math.floor(i / PHASES.length) + 1}) done (load ${load})`);
  }
  streaming = false;
  await sleep(500);
  const closedEarly = healthyClosed;
  for (const ws of devices) ws.close();
  await sleep(1000);
  if (closedEarly > 0) console.log(`\n!! ${closedEarly} healthy calls were closed during the run`);
  return results;
}

function connect(url: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    ws.once('error', reject);
    ws.on('message', function ready(data, isBinary) {
      if (!isBinary && String(data).includes('"session.ready"')) {
        ws.off('message', ready);
        resolve(ws);
      }
    });
  });
}

async function stopAbuser(child: Child): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.child.kill('SIGTERM');
  });
}

function print(results: PhaseResult[]): void {
  console.log(`\nabuse beside ${HEALTHY} healthy kiosk calls: 20 ms PCM16 frames in real time, round trip through an echo backend; ${SECONDS} s per phase`);
  console.log(`(the agent's long answer to the no-read client streams at ${TALK_PACE}× real time; abusers ${process.env.BENCH_ABUSER_RECONNECT === '0' ? 'do not reconnect' : 'reconnect 100 ms after losing a connection'})\n`);
  console.log('phase      round  healthy frames  p50 ms  p99 ms  max ms  >50 ms  lost  gateway CPU  gateway RSS MB start→end (peak)  healthy-client CPU  abuser CPU (% of a core)  load 1/5/15');
  for (const r of results) {
    const abuserCpu = r.abusers.map((a) => `${a.kind} ${fmt(a.cpuPct)}`).join(', ') || '-';
    const rss = `${fmt(r.rssStart)} → ${fmt(r.rssEnd)} (${fmt(r.rssPeak)})`;
    console.log(`${r.phase.padEnd(12)} ${String(r.round).padStart(3)}  ${String(r.frames).padStart(14)}  ${fmt(r.p50, 1).padStart(6)}  ${fmt(r.p99, 1).padStart(6)}  ${fmt(r.max, 1).padStart(6)}  ${`${fmt(r.over50 * 100, 1)} %`.padStart(6)}  ${String(r.lost).padStart(4)}  ${`${fmt(r.gwCpuPct)} %`.padStart(11)}  ${rss.padStart(32)}  ${`${fmt(r.benchCpuPct)} %`.padStart(18)}  ${abuserCpu.padEnd(24)}  ${r.load}`);
  }
  // Per phase, the median over the rounds; ratios against the phase without abuse.
  const byPhase = PHASES.map((phase) => {
    const rows = results.filter((r) => r.phase === phase);
    const m = (f: (r: PhaseResult) => number) => median(rows.map(f));
    return { phase, p50: m((r) => r.p50), p99: m((r) => r.p99), max: m((r) => r.max), over50: m((r) => r.over50), lost: m((r) => r.lost), gw: m((r) => r.gwCpuPct), rssEnd: m((r) => r.rssEnd), rssGrowth: m((r) => r.rssEnd - r.rssStart), rssPeakGrowth: m((r) => r.rssPeak - r.rssStart) };
  });
  if (ROUNDS > 1) {
    console.log(`\nmedians over ${ROUNDS} rounds:`);
    console.log('phase         p50 ms  p99 ms  max ms  >50 ms  lost  gateway CPU  RSS end MB  RSS end−start MB');
    for (const b of byPhase) console.log(`${b.phase.padEnd(12)}  ${fmt(b.p50, 1).padStart(6)}  ${fmt(b.p99, 1).padStart(6)}  ${fmt(b.max, 1).padStart(6)}  ${`${fmt(b.over50 * 100, 1)} %`.padStart(6)}  ${fmt(b.lost).padStart(4)}  ${`${fmt(b.gw)} %`.padStart(11)}  ${fmt(b.rssEnd).padStart(10)}  ${fmt(b.rssGrowth, 1).padStart(16)}`);
  }
  const base = byPhase.find((b) => b.phase === 'none');
  if (base) {
    console.log(`\nagainst the phase without abuse${ROUNDS > 1 ? ' (medians)' : ''}:`);
    for (const b of byPhase) {
      if (b === base) continue;
      const signed = (n: number, d = 0) => `${n >= 0 ? '+' : ''}${fmt(n, d)}`;
      console.log(`  ${b.phase.padEnd(12)} p99 ×${fmt(b.p99 / base.p99, 2)}, max ×${fmt(b.max / base.max, 2)}, gateway CPU ${signed(b.gw - base.gw)} points; gateway RSS over the phase ${signed(b.rssGrowth, 1)} MB (peak ${signed(b.rssPeakGrowth, 1)} MB; without abuse ${signed(base.rssGrowth, 1)} MB)`);
    }
  }
  console.log('\nwhat happened to each abuser (gateway: its log; client: what the client saw; times from the upgrade):');
  for (const r of results) {
    for (const a of r.abusers) console.log(describeAbuser(r.phase, r.round, a));
  }
}

function describeAbuser(phase: Phase, round: number, a: PhaseResult['abusers'][number]): string {
  const report = a.report;
  const mine = [...requests.values()].filter((q) => q.addr === a.addr);
  const sessions = mine.filter((q) => q.status === undefined || q.status < 400 || q.live !== undefined || q.reason !== undefined);
  const refusedByGateway = mine.filter((q) => q.status !== undefined && q.status >= 400 && q.reason === undefined && q.live === undefined);
  const lines: string[] = [];
  const refused = report ? Object.entries(report.refused).map(([status, n]) => `${n}× ${status}`).join(', ') : '';
  lines.push(`  [${phase}${ROUNDS > 1 ? ` #${round}` : ''}] ${a.kind} from ${a.addr}: ${report?.conns.length ?? '?'} connection(s)${refused ? `, upgrades refused: ${refused}` : ''}${refusedByGateway.length ? ` (gateway log: ${refusedByGateway.length} refused, status ${[...new Set(refusedByGateway.map((q) => q.status))].join('/')})` : ''}; client process ${fmt(a.cpuPct)} % of a core`);
  const conns = report?.conns ?? [];
  const shown = conns.length > 8 ? [...conns.slice(0, 4), ...conns.slice(-3)] : conns;
  for (const c of shown) {
    const q = sessions.find((s) => s.port === c.localPort);
    lines.push(`      ${describeConn(c, q)}`);
    if (conns.length > 8 && c === conns[3]) lines.push(`      … ${conns.length - 7} more …`);
  }
  if (conns.length > 8) {
    const byReason = new Map<string, number>();
    for (const c of conns) {
      const reason = sessions.find((s) => s.port === c.localPort)?.reason ?? 'not ended in the log';
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    lines.push(`      all ${conns.length}: ${[...byReason].map(([reason, n]) => `${n}× ${reason}`).join(', ')}`);
  }
  return lines.join('\n');
}

function describeConn(c: AbuserConn, q: GatewayRequest | undefined): string {
  const since = (t: number | undefined) => (t === undefined ? '?' : `${fmt((t - c.openedAt) / 1000, 2)} s`);
  let gateway: string;
  if (!q) gateway = 'no log line';
  else if (q.reason === undefined) gateway = q.live === undefined ? 'not live yet at the stop' : 'live at the phase end';
  else {
    const drops = q.dropped ? `; held back: ${[q.dropped.audioBytes ? `${fmt(q.dropped.audioBytes / 1e6, 1)} MB audio` : '', q.dropped.events ? `${q.dropped.events} events` : '', q.dropped.errors ? `${q.dropped.errors} error replies` : '', q.dropped.microphoneMs ? `${fmt(q.dropped.microphoneMs / 1000, 1)} s microphone` : ''].filter(Boolean).join(', ')}` : '';
    gateway = `ended ${q.reason}${q.limit ? ` (${q.limit})` : ''} at ${since(q.ended)}${q.reason === 'client_closed' ? ' (the stop)' : ''}${drops}`;
    if (q.startFailure) gateway += `; start failure logged: ${q.startFailure}`;
  }
  const client = `${c.end ?? '?'}${c.endedAt !== undefined ? ` at ${since(c.endedAt)}` : c.end?.startsWith('close') ? ' (read at the stop)' : ''}`;
  const errors = Object.entries(c.errors).map(([code, n]) => `${n}× ${code}`).join(', ');
  const sent = c.framesSent >= 10_000 ? `${fmt(c.framesSent / 1e6, 2)} M frames` : `${c.framesSent} frames`;
  return `:${c.localPort}  gateway: ${gateway} | client: ${client}${c.sessionEnded ? `, session.ended ${c.sessionEnded}` : ''}${errors ? `, error events ${errors}` : ''}; sent ${sent} / ${fmt(c.bytesSent / 1e6, 1)} MB, read ${fmt(c.audioBytesRead / 1e6, 1)} MB audio`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
