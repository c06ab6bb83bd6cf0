// The same record tests on the embedded SQLite file and on a real PostgreSQL server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordStore, RecordWrite } from '../../../src/records/types.ts';
import { createTestStore, STORE_KINDS, type TestStore } from '../../helpers/record-stores.ts';

const T0 = Date.parse('2026-11-30T10:00:00Z');

/** A whole call's writes, as the recorder makes them. */
function call(id: string, startedAt: number, opts: { edge?: string; agent2?: string; reason?: string } = {}): RecordWrite[] {
  const sessionId = id;
  const writes: RecordWrite[] = [
    { kind: 'session', sessionId, edge: opts.edge ?? 'kiosk', startedAt, callerFrom: opts.edge === 'twilio' ? '+15551230000' : undefined },
    { kind: 'state', sessionId, seq: 0, at: startedAt, agent: 'frontDesk', state: '1_greeting', handoff: false, slots: '{}' },
    { kind: 'line', sessionId, seq: 1, at: startedAt + 100, itemId: 'item_a1', role: 'assistant', text: 'Good morning, the front desk.' },
    { kind: 'line', sessionId, seq: 2, at: startedAt + 900, itemId: 'item_u1', role: 'user', text: 'My name is Jane.' },
    { kind: 'latency', sessionId, seq: 3, at: startedAt + 1300, itemId: 'item_a2', latencyMs: 412 },
    { kind: 'state', sessionId, seq: 4, at: startedAt + 1400, agent: 'frontDesk', state: '2_get_first_name', handoff: false, slots: '{"first_name":"Jane"}' },
    {
      kind: 'tool', sessionId, seq: 5, at: startedAt + 1500, callId: 'call_1', name: 'authenticateUser',
      arguments: '{"first_name":"Jane"}', output: '{"verified":true}', ok: true, durationMs: 150,
    },
    { kind: 'line', sessionId, seq: 6, at: startedAt + 1600, itemId: 'item_a2', role: 'assistant', text: 'Thank you Jane, you are verified.' },
  ];
  if (opts.agent2) writes.push({ kind: 'state', sessionId, seq: 7, at: startedAt + 2000, agent: opts.agent2, state: '1_welcome', handoff: true, slots: '{"first_name":"Jane","last_name":"Doe"}' });
  if (opts.reason) writes.push({ kind: 'end', sessionId, edge: opts.edge ?? 'kiosk', startedAt, endedAt: startedAt + 3000, reason: opts.reason });
  return writes;
}

describe.each(STORE_KINDS)('call records on %s', (kind) => {
  let db: TestStore;
  let store: RecordStore;

  beforeEach(async () => {
    db = await createTestStore(kind);
    store = db.store;
    await store.migrate();
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('migrates once: a second gateway on the same database finds the schema in place', async () => {
    const second = db.reopen();
    await Promise.all([second.migrate(), db.reopen().migrate()]);
    await second.write(call('vs_m', T0, { reason: 'hangup' }));
    expect((await store.getSession('vs_m'))?.end_reason).toBe('hangup');
  });

  it('reads a call back whole: states in order, tools, transcript, latency, caller', async () => {
    await store.write(call('vs_1', T0, { edge: 'twilio', agent2: 'tourGuide', reason: 'hangup' }));
    const record = await store.getSession('vs_1');
    expect(record).toMatchObject({
      id: 'vs_1', edge: 'twilio', started_at: '2026-11-30T10:00:00.000Z', ended_at: '2026-11-30T10:00:03.000Z',
      end_reason: 'hangup', agents: ['frontDesk', 'tourGuide'], caller: { from: '+15551230000', to: null },
    });
    expect(record?.states.map((s) => [s.agent, s.state, s.handoff])).toEqual([
      ['frontDesk', '1_greeting', false], ['frontDesk', '2_get_first_name', false], ['tourGuide', '1_welcome', true],
    ]);
    // What the conversation had collected at each move (the states' `collects`).
    expect(record?.states.map((s) => s.slots)).toEqual([{}, { first_name: 'Jane' }, { first_name: 'Jane', last_name: 'Doe' }]);
    expect(record?.tools).toEqual([{
      at: '2026-11-30T10:00:01.500Z', call_id: 'call_1', name: 'authenticateUser', arguments: '{"first_name":"Jane"}',
      output: '{"verified":true}', ok: true, error_code: null, duration_ms: 150,
    }]);
    expect(record?.transcript.map((l) => [l.role, l.text, l.cut_at_ms])).toEqual([
      ['assistant', 'Good morning, the front desk.', null], ['user', 'My name is Jane.', null], ['assistant', 'Thank you Jane, you are verified.', null],
    ]);
    expect(record?.turns).toEqual([{ at: '2026-11-30T10:00:01.300Z', item_id: 'item_a2', latency_ms: 412 }]);
    expect(await store.getSession('vs_nope')).toBeUndefined();
  });

  it('takes a call in increments, applies a batch twice only once, and marks a cut that came after its line', async () => {
    const writes = call('vs_2', T0);
    await store.write(writes.slice(0, 3));
    expect((await store.getSession('vs_2'))?.ended_at).toBeNull(); // live, or cut off by a killed gateway
    await store.write(writes.slice(3));
    await store.write(writes.slice(3)); // a retry after a commit whose answer was lost
    await store.write([
      { kind: 'cut', sessionId: 'vs_2', itemId: 'item_a1', cutAtMs: 640 },
      { kind: 'end', sessionId: 'vs_2', edge: 'kiosk', startedAt: T0, endedAt: T0 + 5000, reason: 'backend_lost' },
    ]);
    const record = await store.getSession('vs_2');
    expect(record?.transcript).toHaveLength(3);
    expect(record?.transcript[0]).toMatchObject({ item_id: 'item_a1', cut_at_ms: 640 });
    expect(record?.transcript[1].cut_at_ms).toBeNull();
    expect(record?.end_reason).toBe('backend_lost');
  });

  it('lists newest first in pages, and filters by edge, agent, end reason and time', async () => {
    for (let i = 0; i < 5; i++) {
      await store.write(call(`vs_p${i}`, T0 + i * 60_000, { edge: i % 2 ? 'webrtc' : 'kiosk', agent2: i === 3 ? 'tourGuide' : undefined, reason: i === 4 ? 'backend_lost' : 'hangup' }));
    }
    // Two calls in the same millisecond still page without loss or repeat (ordered by id too).
    await store.write(call('vs_same', T0 + 2 * 60_000));
    const ids = async (q: Parameters<RecordStore['listSessions']>[0]) => (await store.listSessions(q)).sessions.map((s) => s.id);

    const first = await store.listSessions({ limit: 4 });
    expect(first.sessions.map((s) => s.id)).toEqual(['vs_p4', 'vs_p3', 'vs_same', 'vs_p2']);
    expect(first.more).toBe(true);
    const last = first.sessions[3];
    const second = await store.listSessions({ limit: 4, before: { startedAt: Date.parse(last.started_at), id: last.id } });
    expect(second.sessions.map((s) => s.id)).toEqual(['vs_p1', 'vs_p0']);
    expect(second.more).toBe(false);

    expect(first.sessions[1]).toMatchObject({ agents: ['frontDesk', 'tourGuide'], end_reason: 'hangup', caller: null });
    expect(await ids({ limit: 10, edge: 'webrtc' })).toEqual(['vs_p3', 'vs_p1']);
    expect(await ids({ limit: 10, agent: 'tourGuide' })).toEqual(['vs_p3']);
    expect(await ids({ limit: 10, endReason: 'backend_lost' })).toEqual(['vs_p4']);
    expect(await ids({ limit: 10, fromMs: T0 + 60_000, toMs: T0 + 3 * 60_000 })).toEqual(['vs_same', 'vs_p2', 'vs_p1']);
    expect(await ids({ limit: 10, edge: 'sip' })).toEqual([]);
  });

  it('prunes the calls started before the retention cut-off, with every row of theirs', async () => {
    await store.write(call('vs_old', T0 - 40 * 86_400_000, { reason: 'hangup' }));
    await store.write(call('vs_new', T0, { reason: 'hangup' }));
    // A row whose session row was dropped (a full write queue) goes by its own time.
    await store.write([{ kind: 'line', sessionId: 'vs_orphan', seq: 0, at: T0 - 40 * 86_400_000, itemId: 'i', role: 'user', text: 'x' }]);
    expect(await store.prune(T0 - 30 * 86_400_000)).toBe(1);
    expect(await store.getSession('vs_old')).toBeUndefined();
    expect((await store.getSession('vs_new'))?.transcript).toHaveLength(3);
    await store.write(call('vs_old', T0 - 40 * 86_400_000)); // its rows are gone: they insert again
    expect((await store.getSession('vs_old'))?.transcript).toHaveLength(3);
  });
});

describe('the SQLite store', () => {
  it('writes in a worker thread: the event loop runs while a large batch is written', async () => {
    const db = await createTestStore('sqlite');
    try {
      await db.store.migrate();
      const sessionId = 'vs_big';
      const batch: RecordWrite[] = Array.from({ length: 20_000 }, (_, seq) => ({ kind: 'line', sessionId, seq, at: T0, itemId: `i${seq}`, role: 'user', text: 'words' }));
      const order: string[] = [];
      setImmediate(() => order.push('event loop turn'));
      await db.store.write(batch).then(() => order.push('batch written'));
      // Written on this thread, the batch would be done before the loop turned once.
      expect(order).toEqual(['event loop turn', 'batch written']);
    } finally {
      await db.drop();
    }
  });
});
