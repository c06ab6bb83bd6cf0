import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

/** Opens a socket that is expected to be refused; resolves with the HTTP answer. */
function refusedUpgrade(url: string): Promise<{ status: number; body: unknown }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    ws.once('error', () => { /* the refusal itself also surfaces as an error after 'unexpected-response' */ });
  });
}

describe('kiosk edge: session limit', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { maxSessions: 1 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses the upgrade with 503 and a coded error when the gateway is full, before any backend connection', async () => {
    const first = await KioskClient.connect(gw.wsUrl);
    await first.waitFor('session.ready');

    const refused = await refusedUpgrade(gw.wsUrl);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'VG_ERR_SESSION_LIMIT', message: expect.stringMatching(/Too many sessions/) } });
    expect(gw.app.sessions.size).toBe(1);
    expect(gw.tap.openConnections()).toBe(1);

    // Once the first device leaves, there is room again.
    first.close();
    await expect.poll(() => gw.app.sessions.size).toBe(0);
    const next = await KioskClient.connect(gw.wsUrl);
    await next.waitFor('session.ready');
    next.close();
  });
});
