/**
 * Replicas benchmark, in one run: (1) the most kiosk sessions one gateway process, and one worker
 * per core (`src/cluster.ts`), hold with the frame round trip's p99 at or under 40 ms, level by
 * level; (2) what Redis adds to a session start (WebSocket open to `session.ready`): no Redis,
 * REDIS_URL, and REDIS_URL with FLEET_MAX_SESSIONS (one awaited round trip), interleaved so the
 * machine's drift falls on all three, and the fleet's own work per session (place, directory entry,
 * and their release) timed alone. A throwaway redis-server; an echo backend.
 * Run: npm run bench:fleet  (BENCH_SECONDS, BENCH_LEVELS, BENCH_STARTS to change it).
 */
import { availableParallelism } from 'node:os';
import { startServer } from './lib/proc.ts';
import { connectDevice, streamDevices, type DeviceRound } from './lib/kiosk-devices.ts';
import { startRedis } from '../test/helpers/redis-server.ts';
import pino from 'pino';
import { RedisFleet } from '../src/fleet/redis-fleet.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LEVELS = (process.env.BENCH_LEVELS ?? '100,200,300').split(',').map(Number);
const STARTS = Number(process.env.BENCH_STARTS ?? 60);
const P99_TARGET_MS = 40;
const WORKERS = availableParallelism();

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const wsOf = (url: string) => `${url.replace('http', 'ws')}/v1/ws`;

async function hold(wsUrl: string, pid: number, sessions: number): Promise<DeviceRound> {
  const devices = await Promise.all(Array.from({ length: sessions }, () => connectDevice(wsUrl)));
  return streamDevices(devices, pid, SECONDS);
}

/** One session start, open to ready, in ms; the device leaves at once. */
async function startOnce(wsUrl: string): Promise<number> {
  const t0 = performance.now();
  const ws = await connectDevice(wsUrl);
  const ms = performance.now() - t0;
  ws.close();
  return ms;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const echo = await startServer('bench/lib/echo-backend.ts', [], {});
  const echoUrl = `${echo.url.replace('http', 'ws')}/v1/realtime`;
  const base = { PORT: '0', REALTIME_URL: echoUrl, LOG_LEVEL: 'warn', MAX_SESSIONS: '10000', SESSIONS_PER_MINUTE: '100000', OPENAI_API_KEY: '', RECORDS: 'off' };
  const children: { kill: () => void }[] = [echo.child, { kill: redis.stop }];
  try {
    // (1) Sessions held: one process, then one worker per core, level by level.
    const held: { target: string; sessions: number; round: DeviceRound }[] = [];
    for (const [target, entry, env] of [
      ['1 process', 'src/main.ts', { REDIS_URL: redis.url }],
      [`${WORKERS} workers`, 'src/cluster.ts', { REDIS_URL: redis.url, WORKERS: String(WORKERS) }],
    ] as const) {
      const server = await startServer(entry, [], { ...base, ...env });
      children.push(server.child);
      // The cluster prints one URL per worker: wait until all of them serve.
      await new Promise((r) => setTimeout(r, entry === 'src/cluster.ts' ? 5_000 : 500));
      for (const sessions of LEVELS) held.push({ target, sessions, round: await hold(wsOf(server.url), server.child.pid!, sessions) });
      server.child.kill();
    }

    // (2) Session start with and without Redis, interleaved in rounds of ten.
    const starts: { name: string; env: Record<string, string> }[] = [
      { name: 'no Redis', env: {} },
      { name: 'REDIS_URL', env: { REDIS_URL: redis.url } },
      { name: 'REDIS_URL + FLEET_MAX_SESSIONS', env: { REDIS_URL: redis.url, FLEET_MAX_SESSIONS: '100000' } },
    ];
    const servers = await Promise.all(starts.map((s) => startServer('src/main.ts', [], { ...base, ...s.env })));
    children.push(...servers.map((s) => s.child));
    const times = starts.map(() => [] as number[]);
    for (const server of servers) await startOnce(wsOf(server.url)); // warm-up
    for (let round = 0; round < STARTS / 10; round++) {
      for (let i = 0; i < starts.length; i++) {
        for (let k = 0; k < 10; k++) times[i].push(await startOnce(wsOf(servers[i].url)));
      }
    }

    // (3) The fleet's work per session alone: what the registry does at a start and an end.
    const fleet = await RedisFleet.open({ url: redis.url, log: pino({ level: 'silent' }), maxSessions: 100_000 });
    const perSession: number[] = [];
    for (let i = 0; i < STARTS * 10; i++) {
      const id = `vs_bench${i}`;
      const t0 = performance.now();
      await fleet.claimPlace(id);
      fleet.own(id, { kind: 'session', edge: 'kiosk', startedAt: Date.now() });
      fleet.releasePlace(id);
      fleet.disown(id);
      await fleet.ownerOf(id); // the commands sent without waiting have landed once this answers
      perSession.push(performance.now() - t0);
    }
    await fleet.close();

    console.log(`\nsessions held (kiosk path, ${SECONDS} s per level, 20 ms PCM16 frames in real time through an echo backend; REDIS_URL set)\n`);
    console.log('target       sessions  p50 ms  p99 ms  max ms  lost  p99 <= 40 ms');
    for (const h of held) {
      console.log(`${h.target.padEnd(12)} ${String(h.sessions).padStart(8)}  ${fmt(h.round.p50).padStart(6)}  ${fmt(h.round.p99).padStart(6)}  ${fmt(h.round.max).padStart(6)}  ${String(h.round.lost).padStart(4)}  ${h.round.p99 <= P99_TARGET_MS ? 'yes' : 'no'}`);
    }
    for (const target of new Set(held.map((h) => h.target))) {
      const ok = held.filter((h) => h.target === target && h.round.p99 <= P99_TARGET_MS).map((h) => h.sessions);
      console.log(`  ${target}: holds ${ok.length ? Math.max(...ok) : 'none'} of the levels ${LEVELS.join(', ')} at p99 <= ${P99_TARGET_MS} ms`);
    }

    console.log(`\nsession start, WebSocket open to session.ready, ${times[0].length} starts each, interleaved\n`);
    console.log('gateway                          p50 ms  p90 ms  p99 ms');
    const medians: number[] = [];
    for (let i = 0; i < starts.length; i++) {
      const sorted = [...times[i]].sort((a, b) => a - b);
      medians.push(percentile(sorted, 0.5));
      console.log(`${starts[i].name.padEnd(32)} ${fmt(percentile(sorted, 0.5)).padStart(6)}  ${fmt(percentile(sorted, 0.9)).padStart(6)}  ${fmt(percentile(sorted, 0.99)).padStart(6)}`);
    }
    console.log(`\nRedis adds per session start (median): ${fmt(medians[1] - medians[0], 2)} ms with REDIS_URL, ${fmt(medians[2] - medians[0], 2)} ms with the fleet limit too`);
    const fleetSorted = perSession.sort((a, b) => a - b);
    console.log(`the fleet's work per session alone (claim a place, own, release, disown, then one round trip), ${fleetSorted.length} sessions: p50 ${fmt(percentile(fleetSorted, 0.5), 3)} ms, p99 ${fmt(percentile(fleetSorted, 0.99), 3)} ms (of which awaited on a start: the claim, with FLEET_MAX_SESSIONS)`);
  } finally {
    for (const child of children) child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
