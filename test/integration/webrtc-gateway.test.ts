// The browser edge as the gateway wires it (src/server.ts), against the emulator through the
// recording tap: what the backend sees of browser calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';

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
    expect(gateway.tap.openConnections()).toBe(0);
    expect(gateway.tap.events).toHaveLength(0);
    expect(gateway.app.sessions.size).toBe(0);

    // A call that connects opens exactly one.
    const caller = client();
    await caller.connect(gateway.httpUrl);
    await caller.waitForEvent('session.ready');
    expect(gateway.tap.openConnections()).toBe(1);
    expect(gateway.app.sessions.size).toBe(1);
    expect((await caller.hangUp(gateway.httpUrl)).status).toBe(204);
    expect(gateway.app.sessions.size).toBe(0);
  });
});
