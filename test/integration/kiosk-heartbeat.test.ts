import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskGateway, type KioskGateway } from '../helpers/kiosk-gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import type { SessionEnded } from '../../src/observability/session-facts.ts';

describe('kiosk edge: heartbeat', () => {
  let gw: KioskGateway;
  const ended: SessionEnded[] = [];

  beforeAll(async () => {
    // Long enough that a loaded machine still gets the dead device its session.ready first.
    gw = await startKioskGateway({ heartbeatMs: 1_000 });
    gw.facts.listen({ sessionEnded: (fact) => ended.push(fact) });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('drops a device that stops answering pings and frees its session and backend connection', async () => {
    const healthy = await KioskClient.connect(gw.wsUrl);
    // A peer that is gone (or hung) never answers a ping; ws lets a client not answer.
    const dead = new WebSocket(gw.wsUrl, { autoPong: false });
    const deadEvents: string[] = [];
    dead.on('message', (data, isBinary) => { if (!isBinary) deadEvents.push((JSON.parse(data.toString()) as { type: string }).type); });
    const deadClosed = new Promise<void>((resolve) => dead.once('close', () => resolve()));
    await healthy.waitFor('session.ready');
    await expect.poll(() => deadEvents.includes('session.ready'), { timeout: 10_000 }).toBe(true);
    expect(gw.sessions.size).toBe(2);
    expect(gw.tap.openConnections()).toBe(2);

    await deadClosed;
    await expect.poll(() => gw.sessions.size, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => gw.tap.openConnections(), { timeout: 10_000 }).toBe(1);
    expect(ended.map((e) => e.reason)).toEqual(['heartbeat_timeout']);

    // The device that answers stays, however many pings go by.
    let pings = 0;
    await new Promise<void>((resolve) => healthy.ws.on('ping', () => { if (++pings === 3) resolve(); }));
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    expect(gw.sessions.size).toBe(1);
    healthy.close();
    await expect.poll(() => gw.sessions.size, { timeout: 10_000 }).toBe(0);
  });

  it('drops a device that stops reading its socket: the ping waits behind everything queued for it', async () => {
    const stalled = await KioskClient.connect(gw.wsUrl);
    await stalled.waitFor('session.ready');
    const closed = new Promise<void>((resolve) => stalled.ws.once('close', () => resolve()));
    const socket = (stalled.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    stalled.control({ type: 'input_text', text: 'tell me everything' });
    await expect.poll(() => gw.sessions.size, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => gw.tap.openConnections(), { timeout: 10_000 }).toBe(0);
    expect(ended.at(-1)?.reason).toBe('heartbeat_timeout');
    socket.resume();
    await closed;
  });
});
