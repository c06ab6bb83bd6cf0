// The write queue against a real PostgreSQL server that goes down and comes back (a TCP proxy in
// front of it), and against its own bound.
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openRecordStore } from '../../../src/records/open-store.ts';
import type { RecordStore, RecordWrite } from '../../../src/records/types.ts';
import { WriteQueue } from '../../../src/records/write-queue.ts';
import { waitFor } from '../../helpers/fake-session.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';

const lineWrites = (sessionId: string, n: number): RecordWrite[] => [
  { kind: 'session', sessionId, edge: 'kiosk', startedAt: Date.now() },
  ...Array.from({ length: n }, (_, seq): RecordWrite => ({ kind: 'line', sessionId, seq, at: Date.now(), itemId: `item_${seq}`, role: 'user', text: `line ${seq}` })),
];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

describe('the records write queue (PostgreSQL behind a proxy that goes down)', () => {
  let proxy: TcpProxy | undefined;
  let store: RecordStore | undefined;
  let queue: WriteQueue | undefined;
  let schema = '';
  const logs: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  }));

  async function setUp(opts: { startDown: boolean; maxWrites?: number }) {
    const url = new URL(inject('databaseUrl'));
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432), { startDown: opts.startDown });
    schema = `vg_test_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE SCHEMA ${schema}`);
    url.host = `127.0.0.1:${proxy.port}`;
    store = openRecordStore({ databaseUrl: url.toString(), dataDir: '', schema });
    queue = new WriteQueue({ store, log, maxWrites: opts.maxWrites, flushIntervalMs: 20, retryMs: { first: 20, max: 100 } });
    return { store, queue, proxy };
  }

  afterEach(async () => {
    await queue?.close(1_000);
    await store?.close();
    await proxy?.close();
    if (schema) await admin(`DROP SCHEMA ${schema} CASCADE`);
    logs.length = 0;
    schema = '';
  });

  it('keeps the writes while the database is down (one warning), migrates and writes them once it is back', async () => {
    const { queue, proxy, store } = await setUp({ startDown: true });
    for (const w of lineWrites('vs_q', 50)) queue.push(w);
    await waitFor(() => logs.some((l) => /database is unavailable/.test(l.msg)), 5_000, 'the outage to be logged');
    await new Promise((resolve) => setTimeout(resolve, 200)); // several retries
    expect(queue.stats).toMatchObject({ queued: 51, written: 0, dropped: 0 });
    expect(logs.filter((l) => /database is unavailable/.test(l.msg))).toHaveLength(1);

    await proxy.up();
    await waitFor(() => queue.stats.written === 51, 5_000, 'the queued writes to land');
    expect((await store.getSession('vs_q'))?.transcript).toHaveLength(50);
    expect(logs.some((l) => /database is back/.test(l.msg))).toBe(true);

    // Down again mid-call: the rows after the cut land too, once.
    await proxy.down();
    queue.push({ kind: 'end', sessionId: 'vs_q', edge: 'kiosk', startedAt: Date.now(), endedAt: Date.now(), reason: 'hangup' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await proxy.up();
    await waitFor(() => queue.stats.written === 52, 5_000, 'the end to land');
    expect((await store.getSession('vs_q'))?.end_reason).toBe('hangup');
  });

  it('holds at most maxWrites: the oldest are dropped, counted and logged, the newest land', async () => {
    const { queue, proxy, store } = await setUp({ startDown: true, maxWrites: 10 });
    for (const w of lineWrites('vs_full', 24)) queue.push(w);
    queue.push({ kind: 'end', sessionId: 'vs_full', edge: 'kiosk', startedAt: Date.now(), endedAt: Date.now(), reason: 'hangup' });
    expect(queue.stats).toMatchObject({ queued: 10, dropped: 16 });
    await waitFor(() => logs.some((l) => /write queue is full/.test(l.msg)), 2_000, 'the drops to be logged');
    await proxy.up();
    await waitFor(() => queue.stats.written === 10, 5_000, 'the kept writes to land');
    // The session row was among the oldest: the end carries it again, so the call can still be read.
    const record = await store.getSession('vs_full');
    expect(record?.transcript.map((l) => l.text)).toEqual(Array.from({ length: 9 }, (_, i) => `line ${i + 15}`));
    expect(record?.end_reason).toBe('hangup');
  });

  it('drops a batch the database refuses (not an outage) and goes on with the next', async () => {
    const { queue, store } = await setUp({ startDown: false });
    queue.push({ kind: 'session', sessionId: 'vs_bad', edge: 'kiosk', startedAt: Date.now() });
    await waitFor(() => queue.stats.written === 1, 5_000, 'the session row');
    // An INTEGER column refuses 2^40: a batch that would be refused on every retry.
    queue.push({ kind: 'latency', sessionId: 'vs_bad', seq: 0, at: Date.now(), itemId: 'i', latencyMs: 2 ** 40 });
    await waitFor(() => queue.stats.rejectedBatches === 1, 5_000, 'the refusal');
    queue.push({ kind: 'end', sessionId: 'vs_bad', edge: 'kiosk', startedAt: Date.now(), endedAt: Date.now(), reason: 'hangup' });
    await waitFor(() => queue.stats.written === 2, 5_000, 'the next write');
    expect((await store.getSession('vs_bad'))?.end_reason).toBe('hangup');
    expect(logs.some((l) => l.level === 50 && /refused a batch/.test(l.msg))).toBe(true);
  });
});
