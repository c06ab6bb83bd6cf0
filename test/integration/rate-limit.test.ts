import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

describe('session rate limit per address', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { sessionsPerMinute: 3 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses the kiosk upgrade past the limit with 429 and a coded error, before any backend session', async () => {
    const devices = await Promise.all([1, 2, 3].map(() => KioskClient.connect(gw.wsUrl)));
    await Promise.all(devices.map((d) => d.waitFor('session.ready')));
    const backendSessions = gw.tap.openConnections();
    await expect(KioskClient.connect(gw.wsUrl)).rejects.toThrow('HTTP 429');
    expect(gw.tap.openConnections()).toBe(backendSessions);
    devices.forEach((d) => d.close());
  });

  it('counts browser offers on their own route, and answers in the gateway error shape', async () => {
    const offer = (body: string) => fetch(`${gw.httpUrl}/v1/webrtc`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body });
    // Garbage offers still count: the limit is on attempts, not on successes.
    for (let i = 0; i < 3; i++) expect((await offer('not sdp')).status).toBe(400);
    const refused = await offer('not sdp');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: { code: 'VG_ERR_RATE_LIMITED', message: expect.stringMatching(/^Too many new sessions from this address: at most 3 a minute; retry in/) },
    });
    // Other routes are not limited.
    for (let i = 0; i < 5; i++) expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
  });
});
