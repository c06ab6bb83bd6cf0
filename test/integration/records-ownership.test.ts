// Each gateway's session facts are its own: two gateways in one process each record and count
// only their own calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { createTestStore, type TestStore } from '../helpers/record-stores.ts';
import { ADMIN_TOKEN, adminGet, waitForRecord } from '../helpers/records-api.ts';
import type { SessionSummary } from '../../src/records/types.ts';
import { sampleValue } from '../helpers/prometheus.ts';

describe('two gateways in one process', () => {
  const dbs: TestStore[] = [];
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const db = await createTestStore('sqlite');
      dbs.push(db);
      gateways.push(await startTestGateway({ script: GREETING_SCRIPT, records: db.store, config: { adminToken: ADMIN_TOKEN } }));
    }
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    for (const db of dbs) await db.drop();
  });

  it('each records and counts its own calls only', async () => {
    const calls = await Promise.all(gateways.map(async (gw) => {
      const device = await KioskClient.connect(gw.wsUrl);
      const { session_id: id } = await device.waitFor('session.ready');
      await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
      device.control({ type: 'hangup' });
      await device.waitFor('session.ended');
      return id;
    }));
    for (const [i, gw] of gateways.entries()) {
      await waitForRecord(gw.httpUrl, calls[i]);
      const { sessions } = (await (await adminGet(gw.httpUrl, '/v1/sessions')).json()) as { sessions: SessionSummary[] };
      expect(sessions.map((s) => s.id)).toEqual([calls[i]]);
      const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
      expect(sampleValue(metrics, 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(1);
    }
  });
});
