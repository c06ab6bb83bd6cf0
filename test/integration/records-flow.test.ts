// Call records end to end: the demo flow walked on the kiosk (records in SQLite) and on WebRTC
// (records in PostgreSQL), hung up, then read back through the admin API.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-session.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { createTestStore, type TestStore } from '../helpers/record-stores.ts';
import { ADMIN_TOKEN, adminGet, waitForRecord } from '../helpers/records-api.ts';
import { sampleValue } from '../helpers/prometheus.ts';
import { speechPcm } from '../helpers/speech.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';
import type { CallRecord, SessionSummary } from '../../src/records/types.ts';

const FRONT_DESK_PATH = [
  ['frontDesk', '1_greeting'], ['frontDesk', '2_get_first_name'], ['frontDesk', '3_get_last_name'], ['frontDesk', '4_next_steps'], ['tourGuide', '1_welcome'],
];

/** The record of the demo flow up to the tour guide's welcome, whichever edge carried it. */
function expectDemoRecord(record: CallRecord, edge: string, firstUserLine: string): void {
  expect(record).toMatchObject({ edge, end_reason: 'hangup', agents: ['frontDesk', 'tourGuide'] });
  expect(Date.parse(record.ended_at!)).toBeGreaterThan(Date.parse(record.started_at));
  expect(record.states.map((s) => [s.agent, s.state])).toEqual(FRONT_DESK_PATH);
  expect(record.states.map((s) => s.handoff)).toEqual([false, false, false, false, true]);
  // The values collected on the way, as they stood at each move (the handoff carries the member id too).
  expect(record.states.map((s) => s.slots)).toEqual([
    {}, {}, { first_name: 'Jane' }, { first_name: 'Jane', last_name: 'Doe' }, { first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' },
  ]);
  const times = record.states.map((s) => Date.parse(s.at));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  const auth = record.tools.find((t) => t.name === 'authenticateUser');
  expect(auth).toMatchObject({ ok: true, error_code: null });
  expect(JSON.parse(auth!.arguments)).toEqual({ first_name: 'Jane', last_name: 'Doe' });
  expect(JSON.parse(auth!.output)).toMatchObject({ verified: true });
  const said = record.transcript.map((l) => [l.role, l.text]);
  expect(said.filter(([role]) => role === 'user').map(([, text]) => text)).toEqual([firstUserLine, 'Doe. D-O-E.']);
  expect(said[0]).toEqual(['assistant', expect.stringMatching(/front desk/i)]);
  expect(said.some(([role, text]) => role === 'assistant' && /tour guide.*overview/i.test(text))).toBe(true);
  // Each answer to a user turn was heard after a measured pause.
  expect(record.turns.length).toBeGreaterThanOrEqual(2);
  for (const turn of record.turns) expect(turn.latency_ms).toBeGreaterThan(0);
  expect(graphsOf(record)).toEqual(['frontDesk', 'tourGuide']);
}

const graphsOf = (record: CallRecord) => Object.keys((record as CallRecord & { graphs: Record<string, unknown> }).graphs);

describe('call records of a kiosk call (SQLite)', () => {
  let db: TestStore;
  let gw: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createTestStore('sqlite');
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(chunk.toString()); done(); } });
    gw = await startTestGateway({
      script: 'agents/front-desk.script.json', records: db.store, config: { adminToken: ADMIN_TOKEN }, logger: pino({ level: 'info' }, sink),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('walks the demo flow, hangs up, and the API gives back its states, tools, transcript and latency', async () => {
    const device = await KioskClient.connect(gw.wsUrl);
    const ready = await device.waitFor('session.ready');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    await device.sendPcm(await speechPcm('My first name is Jane.', { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text));
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Doe. D-O-E.' });
    const handoff = await device.waitFor('state.changed', (e) => e.agent === 'tourGuide');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) > device.events.indexOf(handoff));
    device.control({ type: 'hangup' });
    await device.waitFor('session.ended');

    const record = await waitForRecord(gw.httpUrl, ready.session_id);
    expectDemoRecord(record, 'kiosk', 'My first name is Jane, J-A-N-E.');
    expect(record.caller).toBeNull();

    const list = (await (await adminGet(gw.httpUrl, '/v1/sessions?edge=kiosk&agent=tourGuide&end_reason=hangup')).json()) as { sessions: SessionSummary[]; next_cursor: string | null };
    expect(list.sessions.map((s) => s.id)).toEqual([ready.session_id]);
    expect(list.next_cursor).toBeNull();
    // The writes and the turns are counted for Prometheus too.
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    const rows = 2 + record.states.length + record.tools.length + record.transcript.length + record.turns.length; // + start and end
    expect(sampleValue(metrics, 'voice_gateway_records_written')).toBe(rows);
    expect(sampleValue(metrics, 'voice_gateway_records_dropped')).toBe(0);
    expect(sampleValue(metrics, 'voice_gateway_turn_latency_seconds_count')).toBeGreaterThanOrEqual(2);
        // Personal data leaves only through the admin API: no transcript or tool argument in the log.
    const log = logLines.join('');
    expect(log).toContain('session ended');
    expect(log).not.toMatch(/Jane|J-A-N-E|D-O-E/);
  });

  it('answers without the admin token with 401, and bad query parameters with 400 naming them', async () => {
    for (const token of [null, 'wrong-token-0123456789']) {
      const res = await adminGet(gw.httpUrl, '/v1/sessions', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VG_ERR_UNAUTHORIZED');
    }
    expect((await adminGet(gw.httpUrl, '/v1/sessions/vs_none', null)).status).toBe(401);
    const bad: [string, RegExp][] = [
      ['limit=0', /limit must be 1 to 100/],
      ['limit=ten', /limit must be a number/],
      ['from=yesterday', /from must be a date/],
      ['from=2026-12-02&to=2026-12-01', /to must be later than from/],
      ['cursor=abc', /cursor is not a cursor/],
      ['edge=a%20b', /edge must be 1-64/],
      ['colour=red', /unknown parameter\(s\): colour/],
    ];
    for (const [query, message] of bad) {
      const res = await adminGet(gw.httpUrl, `/v1/sessions?${query}`);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VG_ERR_BAD_REQUEST');
      expect(body.error.message, query).toMatch(message);
    }
    expect((await adminGet(gw.httpUrl, '/v1/sessions/vs_none')).status).toBe(404);
    expect((await adminGet(gw.httpUrl, '/v1/sessions/bad%20id')).status).toBe(400);
    expect((await adminGet(gw.httpUrl, '/v1/sessions')).headers.get('cache-control')).toBe('no-store');
  });
});

describe('call records of a browser call (PostgreSQL)', () => {
  let db: TestStore;
  let gw: TestGateway;
  let caller: WebrtcTestClient | undefined;

  beforeAll(async () => {
    db = await createTestStore('postgres');
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', records: db.store, config: { adminToken: ADMIN_TOKEN } });
  });
  afterAll(async () => {
    caller?.close();
    await gw?.close();
    await db?.drop();
  });

  it('walks the demo flow by typed turns, barging in on the greeting, and the record shows the cut', async () => {
    caller = new WebrtcTestClient();
    const c = caller;
    await c.connect(gw.httpUrl);
    const ready = await c.waitForEvent('session.ready');
    const has = (check: (e: (typeof c.events)[number]) => boolean) => () => c.events.some(check);
    // The greeting is generated faster than it plays: typing as soon as its text is complete cuts it.
    await waitFor(has((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), 10_000, 'the greeting');
    c.send({ type: 'input_text', text: 'My first name is Jane.' });
    await waitFor(has((e) => e.type === 'state.changed' && e.to === '3_get_last_name'), 10_000, 'the first name');
    await waitFor(has((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && /last name/.test(e.text)), 10_000, 'the last-name question');
    c.send({ type: 'input_text', text: 'Doe. D-O-E.' });
    await waitFor(has((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && /overview/.test(e.text)), 15_000, 'the tour guide');
    expect((await c.hangUp(gw.httpUrl)).status).toBe(204);

    const record = await waitForRecord(gw.httpUrl, ready.session_id);
    expectDemoRecord(record, 'webrtc', 'My first name is Jane.');
    const greeting = record.transcript[0];
    expect(greeting.cut_at_ms).toBeGreaterThan(0);
    expect(record.transcript.filter((l) => l.role === 'user').every((l) => l.cut_at_ms === null)).toBe(true);
  });
});
