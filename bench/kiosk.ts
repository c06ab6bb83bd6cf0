/**
 * Kiosk-path benchmark: simulated devices stream 20 ms PCM16 frames in real time through /v1/ws to
 * an echo backend and time each frame's round trip. The gateway (agents, state engine, SDK) and a
 * bare forwarder are measured in the same run, level by level, so their ratio is read under the
 * same machine conditions. The gateway runs twice, on the Realtime API and on GPT-Live (each against
 * its own echo backend), so the two voice APIs are compared in one run too.
 * Run: npm run bench  (BENCH_SECONDS, BENCH_LEVELS to change the load).
 */
import { startServer } from './lib/proc.ts';
import { connectDevice, streamDevices, type DeviceRound } from './lib/kiosk-devices.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LEVELS = (process.env.BENCH_LEVELS ?? '50,100,200').split(',').map(Number);

interface Result extends DeviceRound {
  target: string;
  sessions: number;
}

async function measure(target: string, wsUrl: string, pid: number, sessions: number, awaitReady: boolean): Promise<Result> {
  const devices = await Promise.all(Array.from({ length: sessions }, () => connectDevice(wsUrl, awaitReady)));
  return { target, sessions, ...await streamDevices(devices, pid, SECONDS) };
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  const echo = await startServer('bench/lib/echo-backend.ts', [], {});
  const echoUrl = `${echo.url.replace('http', 'ws')}/v1/realtime`;
  const forwarder = await startServer('bench/lib/forwarder.ts', [echoUrl], {});
  const liveEcho = await startServer('bench/lib/live-echo-backend.ts', [], {});
  const common = { PORT: '0', LOG_LEVEL: 'warn', MAX_SESSIONS: '10000', SESSIONS_PER_MINUTE: '100000', OPENAI_API_KEY: '' };
  const gateway = await startServer('src/main.ts', [], { ...common, REALTIME_URL: echoUrl });
  const live = await startServer('src/main.ts', [], { ...common, VOICE_API: 'live', LIVE_URL: `${liveEcho.url.replace('http', 'ws')}/v1/live/sessions` });
  const results: Result[] = [];
  try {
    for (const sessions of LEVELS) {
      results.push(await measure('forwarder', `${forwarder.url.replace('http', 'ws')}/v1/ws`, forwarder.child.pid!, sessions, false));
      results.push(await measure('gateway', `${gateway.url.replace('http', 'ws')}/v1/ws`, gateway.child.pid!, sessions, true));
      results.push(await measure('live', `${live.url.replace('http', 'ws')}/v1/ws`, live.child.pid!, sessions, true));
    }
  } finally {
    for (const child of [forwarder, gateway, live, echo, liveEcho]) child.child.kill();
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
  console.log('\nlive (GPT-Live) / gateway (Realtime), same run:');
  for (const sessions of LEVELS) {
    const g = results.find((r) => r.target === 'gateway' && r.sessions === sessions)!;
    const l = results.find((r) => r.target === 'live' && r.sessions === sessions)!;
    console.log(`  ${String(sessions).padStart(4)} sessions: CPU ×${fmt(l.cpuPct / g.cpuPct, 2)}, p99 ×${fmt(l.p99 / g.p99, 2)}, p50 ×${fmt(l.p50 / g.p50, 2)}, RSS ×${fmt(l.rssLiveMb / g.rssLiveMb, 2)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
