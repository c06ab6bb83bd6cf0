// Calls that do not end well still leave their record: the device vanishes mid-call, the backend
// goes away for good or is never reached, the gateway process itself is killed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { createTestStore, type TestStore } from '../helpers/record-stores.ts';
import { ADMIN_TOKEN, adminGet, waitForRecord } from '../helpers/records-api.ts';
import type { SessionSummary } from '../../src/records/types.ts';
import { openRecordStore } from '../../src/records/open-store.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('records of calls cut short', () => {
  let db: TestStore | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await db?.drop();
    gw = undefined;
    db = undefined;
  });

  /** A kiosk call on the demo script that has reached the last-name question. */
  async function callInProgress(kind: 'sqlite' | 'postgres') {
    db = await createTestStore(kind);
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', records: db.store, config: { adminToken: ADMIN_TOKEN } });
    const device = await KioskClient.connect(gw.wsUrl);
    const { session_id: id } = await device.waitFor('session.ready');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'My first name is Jane.' });
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
    return { device, id, gw };
  }

  it('the device vanishes (no close frame): the record ends client_closed, with the call so far (PostgreSQL)', async () => {
    const { device, id, gw } = await callInProgress('postgres');
    device.ws.terminate();
    const record = await waitForRecord(gw.httpUrl, id);
    expect(record.end_reason).toBe('client_closed');
    expect(record.states.map((s) => s.state)).toEqual(['1_greeting', '2_get_first_name', '3_get_last_name']);
    expect(record.transcript.find((l) => l.role === 'user')?.text).toBe('My first name is Jane.');
  });

  it('the backend goes away for good: the record ends backend_lost once the reconnects give up (SQLite)', async () => {
    const { device, id, gw } = await callInProgress('sqlite');
    await gw.tap.close(); // every backend connection dropped, and new ones refused
    await device.waitFor('session.ended', () => true, 20_000);
    const record = await waitForRecord(gw.httpUrl, id);
    expect(record.end_reason).toBe('backend_lost');
    expect(record.states.at(-1)?.state).toBe('3_get_last_name');
  }, 30_000);

  it('the backend drops while the agent talks: its line is recorded as said so far, cut where its audio stopped (SQLite)', async () => {
    db = await createTestStore('sqlite');
    const greeting = 'Welcome to the records line. This greeting goes on for a while, so that the backend connection can drop while it plays.';
    // At the pace of speech, so the drop surely lands mid-turn.
    gw = await startTestGateway({ script: { turns: [{ responses: [[{ say: greeting }]] }] }, timing: { audioPace: 1 }, records: db.store, config: { adminToken: ADMIN_TOKEN } });
    const device = await KioskClient.connect(gw.wsUrl);
    const { session_id: id } = await device.waitFor('session.ready');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && !e.final);
    await expect.poll(() => device.audio.length).toBeGreaterThan(0);
    gw.tap.dropConnections();
    const cut = await device.waitFor('turn.cut');
    expect(cut.cause).toBe('backend_dropped');
    await device.waitFor('backend.restored');
    device.control({ type: 'hangup' });
    const record = await waitForRecord(gw.httpUrl, id);
    const line = record.transcript.find((l) => l.item_id === cut.item_id);
    expect(line?.cut_at_ms).toBe(cut.heard_ms);
    expect(greeting.startsWith(line?.text ?? '-')).toBe(true);
  });

  it('the backend cannot be reached at all: the call that never went live still has its record (SQLite)', async () => {
    db = await createTestStore('sqlite');
    gw = await startTestGateway({ records: db.store, config: { adminToken: ADMIN_TOKEN, backendTimeoutMs: 2_000 } });
    await gw.tap.close(); // new backend connections refused
    const device = await KioskClient.connect(gw.wsUrl);
    expect((await device.waitFor('session.ended', () => true, 20_000)).reason).toBe('backend_unavailable');
    const httpUrl = gw.httpUrl;
    const listed = async () => ((await (await adminGet(httpUrl, '/v1/sessions?end_reason=backend_unavailable')).json()) as { sessions: SessionSummary[] }).sessions;
    await expect.poll(listed, { timeout: 10_000 }).toHaveLength(1);
    const [summary] = await listed();
    const record = await waitForRecord(httpUrl, summary.id);
    expect(record).toMatchObject({ edge: 'kiosk', end_reason: 'backend_unavailable', states: [], transcript: [] });
    expect(Date.parse(record.ended_at!)).toBeGreaterThanOrEqual(Date.parse(record.started_at));
  }, 30_000);
});

describe('a gateway killed mid-call (SIGKILL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vg-killed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has written the call up to its last second: the session, its state and the greeting', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir };
    for (const name of ['OPENAI_API_KEY', 'REALTIME_URL', 'GATEWAY_TOKENS', 'TWILIO_AUTH_TOKEN', 'PUBLIC_URL', 'DATABASE_URL', 'RECORDS']) delete env[name];
    const gateway = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        gateway.stdout.setEncoding('utf8');
        gateway.stdout.on('data', (chunk: string) => {
          out += chunk;
          const found = /open (http:\/\/\S+)\//.exec(out)?.[1];
          if (found) resolve(found);
        });
        gateway.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before it listened:\n${out}`)));
      });
      const device = await KioskClient.connect(`${url.replace('http', 'ws')}/v1/ws`);
      const { session_id: id } = await device.waitFor('session.ready');
      const greeting = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
      // The promise: what happened more than a second ago is on disk.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      gateway.kill('SIGKILL');
      await exited;
      device.ws.terminate();

      const store = openRecordStore({ dataDir });
      try {
        const record = await store.getSession(id);
        expect(record).toMatchObject({ id, edge: 'kiosk', ended_at: null, end_reason: null });
        expect(record?.states.map((s) => [s.agent, s.state])).toEqual([['frontDesk', '1_greeting']]);
        expect(record?.transcript.map((l) => [l.role, l.text])).toEqual([['assistant', greeting.text]]);
      } finally {
        await store.close();
      }
    } finally {
      gateway.kill('SIGKILL');
    }
  }, 40_000);
});
