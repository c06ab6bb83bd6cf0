// The browser edge as the gateway wires it (src/server.ts), against the emulator through the
// recording tap: what the backend sees of browser calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-session.ts';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { mintSessionToken, TEST_TOKEN_SECRET } from '../helpers/session-token.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('browser calls through the gateway', () => {
  let gateway: TestGateway;
  const clients: WebrtcTestClient[] = [];
  const client = (): WebrtcTestClient => {
    const c = new WebrtcTestClient();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gateway = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('opens no backend connection for offers that never connect', async () => {
    for (let i = 0; i < 3; i++) {
      const offer = client();
      expect((await offer.offer(gateway.httpUrl)).status).toBe(201);
      offer.close(); // the answer is never applied: ICE never starts
    }
    expect(gateway.tap.connectionsOpened()).toBe(0);
    expect(gateway.tap.events).toHaveLength(0);
    expect(gateway.app.sessions.size).toBe(0);

    // A call that connects opens exactly one.
    const caller = client();
    await caller.connect(gateway.httpUrl);
    await caller.waitForEvent('session.ready');
    expect(gateway.tap.connectionsOpened()).toBe(1);
    expect(gateway.app.sessions.size).toBe(1);
    expect((await caller.hangUp(gateway.httpUrl)).status).toBe(204);
    expect(gateway.app.sessions.size).toBe(0);
  });
});

describe('browser calls at the session limit (MAX_SESSIONS=1)', () => {
  let gateway: TestGateway;
  const clients: WebrtcTestClient[] = [];
  const client = (): WebrtcTestClient => {
    const c = new WebrtcTestClient();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gateway = await startTestGateway({ script: GREETING_SCRIPT, config: { maxSessions: 1 } });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('refuses an offer with 503 VG_ERR_SESSION_LIMIT while a kiosk holds the only session', async () => {
    const kiosk = await KioskClient.connect(gateway.wsUrl);
    try {
      await kiosk.waitFor('session.ready');
      const res = await client().offer(gateway.httpUrl);
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe('VG_ERR_SESSION_LIMIT');
      expect(gateway.tap.openConnections()).toBe(1);
    } finally {
      kiosk.close();
    }
    await waitFor(() => gateway.app.sessions.size === 0, 5_000, 'the kiosk session to end');
  });

  it('ends a call that connects after the last place was taken with session_limit', async () => {
    // The offer is answered while the gateway has room; a kiosk takes the place before it connects.
    const caller = client();
    const answer = await caller.offer(gateway.httpUrl);
    expect(answer.status).toBe(201);
    const kiosk = await KioskClient.connect(gateway.wsUrl);
    try {
      await kiosk.waitFor('session.ready');
      await caller.accept(answer);
      const ended = await caller.waitForEvent('session.ended');
      expect(ended.reason).toBe('session_limit');
      expect(caller.events.find((e) => e.type === 'error')).toMatchObject({ code: 'VG_ERR_SESSION_LIMIT' });
      expect(caller.events.some((e) => e.type === 'session.ready')).toBe(false);
      expect(gateway.app.sessions.size).toBe(1);
    } finally {
      kiosk.close();
    }
    await waitFor(() => gateway.app.sessions.size === 0, 5_000, 'the kiosk session to end');
  });
});

describe('browser calls with GATEWAY_TOKENS and WEBRTC_TOKEN_SECRET set', () => {
  const DEVICE_TOKEN = 'device-token-1';
  let gateway: TestGateway;
  const clients: WebrtcTestClient[] = [];
  const client = (): WebrtcTestClient => {
    const c = new WebrtcTestClient();
    clients.push(c);
    return c;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    gateway = await startTestGateway({
      script: GREETING_SCRIPT,
      config: { gatewayTokens: [DEVICE_TOKEN], webrtcTokenSecret: TEST_TOKEN_SECRET },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('refuses an offer without a valid bearer token', async () => {
    const expired = mintSessionToken({ aud: 'voice-gateway', exp: Math.floor(Date.now() / 1000) - 1 });
    const refusals: [Record<string, string>, RegExp][] = [
      [{}, /needs Authorization: Bearer/],
      [bearer('device-token-2'), /neither a device token nor a session token/],
      [bearer(expired), /expired/],
      [bearer(mintSessionToken(undefined, 'a-different-secret-of-32-characters!!')), /not signed/],
    ];
    for (const [headers, reason] of refusals) {
      const res = await client().offer(gateway.httpUrl, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('VG_ERR_UNAUTHORIZED');
      expect(body.error.message).toMatch(reason);
    }
    // A token in the query string is not read: URLs end up in logs.
    const anOffer = clients[0].pc.localDescription?.sdp;
    const inQuery = await fetch(`${gateway.httpUrl}/v1/webrtc?token=${DEVICE_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: anOffer });
    expect(inQuery.status).toBe(401);
    expect(gateway.tap.connectionsOpened()).toBe(0);
  });

  it('opens calls with a device token or a session token, and only the call key ends one', async () => {
    const byDevice = client();
    await byDevice.connect(gateway.httpUrl, bearer(DEVICE_TOKEN));
    await byDevice.waitForEvent('session.ready');
    const byPage = client();
    await byPage.connect(gateway.httpUrl, bearer(mintSessionToken()));
    await byPage.waitForEvent('session.ready');
    expect(gateway.app.sessions.size).toBe(2);

    // Holding a device token is no licence to end someone else's call.
    for (const key of ['', DEVICE_TOKEN, byDevice.callKey]) {
      const refused = await byPage.hangUp(gateway.httpUrl, key);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as ErrorBody).error.code).toBe('VG_ERR_UNAUTHORIZED');
    }
    expect(gateway.app.sessions.size).toBe(2);
    expect(byPage.events.some((e) => e.type === 'session.ended')).toBe(false);

    expect((await byPage.hangUp(gateway.httpUrl)).status).toBe(204);
    expect((await byDevice.hangUp(gateway.httpUrl)).status).toBe(204);
    expect(gateway.app.sessions.size).toBe(0);
    expect((await byPage.hangUp(gateway.httpUrl)).status).toBe(404);
  });
});
