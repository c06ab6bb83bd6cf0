import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { ERROR_BURST, ERRORS_PER_SECOND } from '../../src/edges/kiosk/outbound.ts';

describe('kiosk edge: a device that floods bad frames and never reads its socket', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is closed with 1008 after a bounded number of answers, holds nothing afterwards, and the other session keeps its audio', async () => {
    const other = await KioskClient.connect(gw.wsUrl);
    const flooder = await KioskClient.connect(gw.wsUrl);
    await other.waitFor('session.ready');
    await flooder.waitFor('session.ready');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      flooder.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });

    // Stop reading: whatever the gateway answers piles up on its side of the connection.
    const socket = (flooder.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const floodAt = performance.now();
    for (let i = 0; i < 200_000; i++) flooder.ws.send('{}');

    // The gateway ends that session while the device still reads nothing.
    await expect.poll(() => gw.app.sessions.size, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => gw.tap.openConnections()).toBe(1);
    const floodSeconds = (performance.now() - floodAt) / 1000;

    socket.resume();
    expect(await closed).toEqual({ code: 1008, reason: 'VG_ERR_TOO_MANY_FRAMES' });
    expect((await flooder.waitFor('session.ended')).reason).toBe('too_many_frames');
    // Every `{}` was a bad frame, but only a few answers were ever queued for it.
    const errors = flooder.events.filter((e) => e.type === 'error');

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(ERROR_BURST + Math.ceil(ERRORS_PER_SECOND * floodSeconds));
    expect(errors.every((e) => e.code === 'VG_ERR_BAD_FRAME')).toBe(true);

    const audioBefore = other.audio.length;
    const eventsBefore = other.events.length;
    other.control({ type: 'input_text', text: 'are you still there?' });
    await other.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /You said/.test(e.text) && other.events.indexOf(e) >= eventsBefore);
    expect(other.audio.length).toBeGreaterThan(audioBefore);
    other.close();
  });
});
