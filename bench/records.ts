/**
 * Call-records benchmark, two parts. Run: npm run bench:records (BENCH_SECONDS, BENCH_SESSIONS,
 * BENCH_CALLS, BENCH_ROUNDS; PostgreSQL from BENCH_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres).
 *
 * 1. Store throughput, in this process: whole synthetic calls (40 rows each) through the write queue
 *    into SQLite and PostgreSQL, as fast as they take them; then a steady live rate with this
 *    process's event-loop delay measured (what the queue and the store cost the thread that would
 *    carry the audio; SQLite's own work is in its worker thread).
 * 2. The audio path with records on and off, same run: simulated kiosks stream 20 ms frames in real
 *    time through four gateways (records off twice, SQLite, PostgreSQL) to a backend that echoes the
 *    audio and sends transcript lines and turn ends (the recorder's traffic), and every frame's round
 *    trip is timed. All four gateways stream AT ONCE in each round, so whatever else the machine
 *    does lands on all of them alike: each round's p99 is compared with the records-off gateway's of
 *    the same round, and the second records-off gateway (an A/A control) shows how far two identical
 *    gateways differ. Each gateway's own event-loop delay over the round (prom-client's p99, reset
 *    by the scrape before the round) is what records could take from the thread that relays audio.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { openRecordStore } from '../src/records/open-store.ts';
import type { RecordStore, RecordWrite } from '../src/records/types.ts';
import { WriteQueue } from '../src/records/write-queue.ts';
import { loadavg, median } from './lib/child.ts';
import { startServer } from './lib/proc.ts';
import { connectDevice, streamDevices } from './lib/kiosk-devices.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 25);
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const silent = pino({ level: 'silent' });
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** A call as the recorder writes it: start, 6 states, 3 tools, 20 lines, 9 latencies, end. */
function callWrites(i: number): RecordWrite[] {
  const sessionId = `vs_bench_${i}_${randomBytes(3).toString('hex')}`;
  const t = Date.now();
  const writes: RecordWrite[] = [{ kind: 'session', sessionId, edge: 'kiosk', startedAt: t }];
  let seq = 0;
  for (let s = 0; s < 6; s++) writes.push({ kind: 'state', sessionId, seq: seq++, at: t, agent: 'frontDesk', state: `${s}_state`, handoff: false, slots: s > 1 ? '{"first_name":"Jane"}' : '{}' });
  for (let k = 0; k < 3; k++) {
    writes.push({ kind: 'tool', sessionId, seq: seq++, at: t, callId: `call_${k}`, name: 'authenticateUser', arguments: '{"first_name":"Jane","last_name":"Doe"}', output: '{"verified":true}', ok: true, durationMs: 150 });
  }
  for (let l = 0; l < 20; l++) {
    writes.push({ kind: 'line', sessionId, seq: seq++, at: t, itemId: `item_${l}`, role: l % 2 ? 'user' : 'assistant', text: 'A sentence about as long as one turn of a real conversation is.' });
  }
  for (let l = 0; l < 9; l++) writes.push({ kind: 'latency', sessionId, seq: seq++, at: t, itemId: `item_${l}`, latencyMs: 400 + l });
  writes.push({ kind: 'end', sessionId, edge: 'kiosk', startedAt: t, endedAt: t, reason: 'hangup' });
  return writes;
}

interface Db {
  name: string;
  open(): RecordStore;
  /** Environment for a gateway on the same database. */
  env: Record<string, string>;
  /** Transcript lines the gateway wrote: proof that its records were on. */
  gatewayLines(): Promise<number>;
  drop(): Promise<void>;
}

async function databases(): Promise<Db[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vg-bench-records-'));
  const schema = `vg_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return [
    {
      name: 'sqlite',
      open: () => openRecordStore({ dataDir: join(dir, 'inproc') }),
      env: { DATA_DIR: join(dir, 'gateway') },
      gatewayLines: async () => {
        const db = new Database(join(dir, 'gateway', 'records.sqlite'), { readonly: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM transcript_lines').get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: 'postgres',
      open: () => openRecordStore({ databaseUrl: DATABASE_URL, dataDir: '', schema }),
      env: { DATABASE_URL: url.toString() },
      gatewayLines: async () => {
        // The in-process part wrote here too: count only the gateway's (its ids are not vs_bench_).
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query(`SELECT COUNT(*) AS n FROM ${schema}.transcript_lines WHERE session_id NOT LIKE 'vs\\_bench\\_%'`);
          return Number(rows[0].n);
        } finally {
          await client.end();
        }
      },
      drop: () => admin(`DROP SCHEMA ${schema} CASCADE`),
    },
  ];
}

async function throughput(db: Db): Promise<string> {
  const store = db.open();
  await store.migrate();
  const queue = new WriteQueue({ store, log: silent, maxWrites: CALLS * 50 });
  const calls = Array.from({ length: CALLS }, (_, i) => callWrites(i));
  const rows = calls.reduce((n, c) => n + c.length, 0);
  const start = performance.now();
  for (const call of calls) for (const w of call) queue.push(w);
  while (queue.stats.written < rows) await queue.flush();
  const seconds = (performance.now() - start) / 1000;

  // Live rate: what 100 calls in progress write (about 3 rows a second each), for 4 s.
  const rate = 300;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const live = Array.from({ length: Math.ceil((rate * 4) / 40) }, (_, i) => callWrites(CALLS + i)).flat();
  delay.enable();
  const liveStart = performance.now();
  let pushed = 0;
  while (pushed < live.length) {
    const due = Math.floor(((performance.now() - liveStart) / 1000) * rate);
    for (; pushed < Math.min(due, live.length); pushed++) queue.push(live[pushed]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await queue.close();
  delay.disable();
  await store.close();
  return `${db.name.padEnd(9)} ${fmt(CALLS / seconds, 0).padStart(8)} calls/s ${fmt(rows / seconds, 0).padStart(9)} rows/s`
    + `   live ${rate} rows/s: event-loop delay p99 ${fmt(delay.percentile(99) / 1e6)} ms, max ${fmt(delay.max / 1e6)} ms`;
}

interface Gateway { target: string; url: string; pid: number }
interface Round { target: string; p50: number; p99: number; max: number; cpuPct: number; lost: number; loopP99: number }

/** The gateway's event-loop delay p99 since the previous scrape, in ms (prom-client resets it on each scrape). */
async function loopP99(g: Gateway): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000;
}

/** One round: every gateway gets SESSIONS devices, all streaming at the same time. */
async function pairedRound(gateways: Gateway[]): Promise<Round[]> {
  const devices = await Promise.all(gateways.map((g) => Promise.all(Array.from({ length: SESSIONS }, () => connectDevice(`${g.url.replace('http', 'ws')}/v1/ws`)))));
  await Promise.all(gateways.map(loopP99));
  const measured = await Promise.all(gateways.map((g, i) => streamDevices(devices[i], g.pid, SECONDS)));
  const loops = await Promise.all(gateways.map(loopP99));
  return gateways.map((g, i) => {
    const { p50, p99, max, cpuPct, lost } = measured[i];
    return { target: g.target, p50, p99, max, cpuPct, lost, loopP99: loops[i] };
  });
}

async function main(): Promise<void> {
  const dbs = await databases();
  try {
    console.log(`\n1. store throughput: ${CALLS} calls of 40 rows through the write queue, then a live rate\n`);
    for (const db of dbs) console.log(await throughput(db));

    const backend = await startServer('bench/lib/record-backend.ts', [], {});
    const backendUrl = `${backend.url.replace('http', 'ws')}/v1/realtime`;
    const common = { PORT: '0', REALTIME_URL: backendUrl, LOG_LEVEL: 'warn', MAX_SESSIONS: '10000', SESSIONS_PER_MINUTE: '100000', OPENAI_API_KEY: '' };
    const servers = [
      { target: 'records off', server: await startServer('src/main.ts', [], { ...common, RECORDS: 'off' }) },
      { target: 'records off (A/A)', server: await startServer('src/main.ts', [], { ...common, RECORDS: 'off' }) },
      ...await Promise.all(dbs.map(async (db) => ({ target: `records ${db.name}`, server: await startServer('src/main.ts', [], { ...common, RECORDS: 'on', ...db.env }) }))),
    ];
    const gateways: Gateway[] = servers.map(({ target, server }) => ({ target, url: server.url, pid: server.child.pid! }));
    const rounds: Round[][] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) rounds.push(await pairedRound(gateways));
    } finally {
      for (const { server } of servers) server.child.kill();
      backend.child.kill();
    }
    console.log(`\n2. audio path: ${gateways.length} gateways with ${SESSIONS} kiosk sessions each, all streaming at once, ${SECONDS} s per round, ${ROUNDS} rounds;`);
    console.log('   each session also publishes 2 transcript lines and 1 turn latency a second (records on: ~3 rows/s per session)\n');
    console.log('target             round  p50 ms  p99 ms  max ms  p99 ÷ off  loop p99 ms  CPU % core  lost');
    rounds.forEach((round, i) => {
      const off = round[0].p99;
      for (const r of round) {
        console.log(`${r.target.padEnd(18)} ${String(i + 1).padStart(5)}  ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.max).padStart(6)}  ${fmt(r.p99 / off, 2).padStart(9)}  ${fmt(r.loopP99).padStart(11)}  ${fmt(r.cpuPct).padStart(10)}  ${r.lost}`);
      }
    });
    console.log('\nmedians of the rounds (p99 ÷ off: each round\'s p99 over the records-off gateway\'s in the same round):');
    gateways.forEach((g, k) => {
      const mine = rounds.map((round) => round[k]);
      const ratio = median(rounds.map((round) => round[k].p99 / round[0].p99));
      console.log(`  ${g.target.padEnd(18)} p50 ${fmt(median(mine.map((r) => r.p50))).padStart(5)} ms  p99 ${fmt(median(mine.map((r) => r.p99))).padStart(6)} ms  p99 ÷ off ${fmt(ratio, 2)}  loop p99 ${fmt(median(mine.map((r) => r.loopP99)))} ms  CPU ${fmt(median(mine.map((r) => r.cpuPct)))} % of a core  lost ${mine.reduce((n, r) => n + r.lost, 0)}`);
    });
    for (const db of dbs) console.log(`  records ${db.name}: the gateway wrote ${await db.gatewayLines()} transcript lines`);
    console.log(`  load average during the run: ${loadavg()}`);
  } finally {
    for (const db of dbs) await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
