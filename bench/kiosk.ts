/**
 * Kiosk-path benchmark: simulated devices stream 20 ms PCM16 frames in real time through /v1/ws to
 * an echo backend and time each frame's round trip. The gateway (agents, state engine, SDK) and a
 * bare forwarder are measured in the same run, level by level, so their ratio is read under the
 * same machine conditions. Run: npm run bench  (BENCH_SECONDS, BENCH_LEVELS to change the load).
 */
import WebSocket from 'ws';
import { cpuMs, rssBytes, startServer } from './lib/proc.ts';

const FRAME_MS = 20;
const FRAME_BYTES = 48 * FRAME_MS;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LEVELS = (process.env.BENCH_LEVELS ?? '50,100,200').split(',').map(Number);
const WARMUP_MS = 1500;
const SLOTS = 4;

interface Result {
  target: string;
  sessions: number;
  p50: number;
  p99: number;
  max: number;
  cpuPct: number;
  rssLiveMb: number;
  lost: number;
}

async function measure(target: string, wsUrl: string, pid: number, sessions: number, awaitReady: boolean): Promise<Result> {
  const devices = await Promise.all(Array.from({ length: sessions }, () => connect(wsUrl, awaitReady)));
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let measuring = false;
  let seq = 0;
  for (const ws of devices) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const buf = data as Buffer;
      const sent = sentAt.get(buf.readUInt32LE(0));
      if (sent !== undefined && measuring) latencies.push(performance.now() - sent);
    });
  }
  const frame = Buffer.alloc(FRAME_BYTES);
  const start = performance.now();
  let tick = 0;
  let cpuStart = 0;
  let sentMeasured = 0;
  await new Promise<void>((resolve) => {
    // Devices are not in lockstep: each 20 ms period is split into slots, each slot sending for
    // its share of the devices, so the load arrives spread out as it would from real kiosks.
    const step = () => {
      const now = performance.now();
      if (!measuring && now - start >= WARMUP_MS) {
        measuring = true;
        cpuStart = cpuMs(pid);
      }
      const slot = tick % SLOTS;
      for (let d = slot; d < devices.length; d += SLOTS) {
        const id = seq++;
        frame.writeUInt32LE(id, 0);
        sentAt.set(id, performance.now());
        devices[d].send(frame);
        if (measuring) sentMeasured++;
      }
      tick++;
      if (now - start >= WARMUP_MS + SECONDS * 1000) return resolve();
      // Drift-corrected real-time pacing: slot k is due at start + k × (20 ms / SLOTS).
      setTimeout(step, Math.max(0, start + (tick * FRAME_MS) / SLOTS - performance.now()));
    };
    step();
  });
  const cpuUsed = cpuMs(pid) - cpuStart;
  const rssLive = rssBytes(pid);
  await new Promise((r) => setTimeout(r, 300));
  measuring = false;
  for (const ws of devices) ws.close();
  await new Promise((r) => setTimeout(r, 1000));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    target, sessions,
    p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN,
    cpuPct: (cpuUsed / (SECONDS * 1000)) * 100,
    rssLiveMb: rssLive / 1024 / 1024,
    lost: Math.max(0, sentMeasured - latencies.length),
  };
}

function connect(url: string, awaitReady: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    if (!awaitReady) ws.once('open', () => resolve(ws));
    else ws.on('message', function ready(data, isBinary) {
      if (!isBinary && String(data).includes('"session.ready"')) {
        ws.off('message', ready);
        resolve(ws);
      }
    });
  });
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  const echo = await startServer('bench/lib/echo-backend.ts', [], {});
  const echoUrl = `${echo.url.replace('http', 'ws')}/v1/realtime`;
  const forwarder = await startServer('bench/lib/forwarder.ts', [echoUrl], {});
  const gateway = await startServer('src/main.ts', [], {
    PORT: '0', REALTIME_URL: echoUrl, LOG_LEVEL: 'warn', MAX_SESSIONS: '10000', SESSIONS_PER_MINUTE: '100000', OPENAI_API_KEY: '',
  });
  const results: Result[] = [];
  try {
    for (const sessions of LEVELS) {
      results.push(await measure('forwarder', `${forwarder.url.replace('http', 'ws')}/v1/ws`, forwarder.child.pid!, sessions, false));
      results.push(await measure('gateway', `${gateway.url.replace('http', 'ws')}/v1/ws`, gateway.child.pid!, sessions, true));
    }
  } finally {
    forwarder.child.kill();
    gateway.child.kill();
    echo.child.kill();
  }
  console.log(`\nkiosk path, ${SECONDS} s per level, 20 ms PCM16 frames in real time, round trip through an echo backend\n`);
  console.log('target     sessions  p50 ms  p99 ms  max ms  CPU % core  CPU %/session  RSS MB  RSS KB/session  lost');
  for (const r of results) {
    // Memory per session is the slope from the lowest level: the start-up heap (and the garbage a
    // level leaves behind) would swamp a per-level difference from idle.
    const base = results.find((b) => b.target === r.target && b.sessions === LEVELS[0])!;
    const perSession = r.sessions > base.sessions ? ((r.rssLiveMb - base.rssLiveMb) * 1024) / (r.sessions - base.sessions) : NaN;
    console.log(`${r.target.padEnd(10)} ${String(r.sessions).padStart(8)}  ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.max).padStart(6)}  ${fmt(r.cpuPct).padStart(10)}  ${fmt(r.cpuPct / r.sessions, 3).padStart(13)}  ${fmt(r.rssLiveMb, 0).padStart(6)}  ${fmt(perSession, 0).padStart(14)}  ${r.lost}`);
  }
  console.log('\ngateway / forwarder, same run:');
  for (const sessions of LEVELS) {
    const f = results.find((r) => r.target === 'forwarder' && r.sessions === sessions)!;
    const g = results.find((r) => r.target === 'gateway' && r.sessions === sessions)!;
    console.log(`  ${String(sessions).padStart(4)} sessions: CPU ×${fmt(g.cpuPct / f.cpuPct, 2)}, p99 ×${fmt(g.p99 / f.p99, 2)}, p50 ×${fmt(g.p50 / f.p50, 2)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
