import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { BAD_FRAME_BURST } from '../../src/edges/kiosk-ws.ts';

/** The device stops reading: whatever the gateway answers piles up on its side of the connection. */
function stopReading(device: KioskClient): Socket {
  const socket = (device.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return socket;
}

function closeOf(device: KioskClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => device.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** The upgrade's HTTP answer when the gateway refuses it. */
function refusedUpgrade(url: string, localAddress: string): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`the upgrade from ${localAddress} was accepted`));
    });
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
  });
}

describe('kiosk edge: devices that flood frames and never read their socket', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a stream of malformed frames is closed with 1007 after a few answers, and its address must wait; the other session keeps its audio', async () => {
    const other = await KioskClient.connect(gw.wsUrl);
    const flooder = await KioskClient.connect(gw.wsUrl, {}, '127.0.0.2');
    await other.waitFor('session.ready');
    await flooder.waitFor('session.ready');
    const closed = closeOf(flooder);

    const socket = stopReading(flooder);
    for (let i = 0; i < 200_000; i++) flooder.ws.send('{}');

    // The gateway ends that session while the device still reads nothing.
    await expect.poll(() => gw.app.sessions.size, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => gw.tap.openConnections()).toBe(1);
    socket.resume();
    expect(await closed).toEqual({ code: 1007, reason: 'VG_ERR_BAD_FRAME' });
    expect((await flooder.waitFor('session.ended')).reason).toBe('bad_frames');
    // Each of the first malformed frames was named back; the rest ended the session instead.
    const errors = flooder.events.filter((e) => e.type === 'error');
    expect(errors.length).toBe(BAD_FRAME_BURST);
    expect(errors.every((e) => e.code === 'VG_ERR_BAD_FRAME')).toBe(true);

    // Its address is refused before the upgrade for a while (no session, no backend connection)...
    const refused = await refusedUpgrade(gw.wsUrl, '127.0.0.2');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'VG_ERR_COOLING_OFF' } });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(gw.tap.openConnections()).toBe(1);
    // ...while a device from another address is not.
    const newcomer = await KioskClient.connect(gw.wsUrl, {}, '127.0.0.3');
    await newcomer.waitFor('session.ready');
    newcomer.close();

    const audioBefore = other.audio.length;
    const eventsBefore = other.events.length;
    other.control({ type: 'input_text', text: 'are you still there?' });
    await other.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /You said/.test(e.text) && other.events.indexOf(e) >= eventsBefore);
    expect(other.audio.length).toBeGreaterThan(audioBefore);
    other.close();
  });

  it('a flood of well-formed frames is closed with 1008 for its rate, with nothing answered', async () => {
    const flooder = await KioskClient.connect(gw.wsUrl, {}, '127.0.0.4');
    await flooder.waitFor('session.ready');
    const closed = closeOf(flooder);
    const socket = stopReading(flooder);
    for (let i = 0; i < 200_000; i++) flooder.ws.send('{"type":"playback","played_ms":0}');

    await expect.poll(() => gw.app.sessions.size, { timeout: 10_000 }).toBe(0);
    socket.resume();
    expect(await closed).toEqual({ code: 1008, reason: 'VG_ERR_TOO_MANY_FRAMES' });
    expect((await flooder.waitFor('session.ended')).reason).toBe('too_many_frames');
    expect(flooder.events.filter((e) => e.type === 'error')).toEqual([]);
    expect((await refusedUpgrade(gw.wsUrl, '127.0.0.4')).status).toBe(429);
  });
});
