import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { base64ByteLength } from '../../src/audio/base64.ts';
import { AUDIO_BURST_MS } from '../../src/edges/kiosk/microphone-budget.ts';

/** PCM16 24 kHz: 48 bytes a millisecond. */
const BYTES_PER_MS = 48;

describe('kiosk edge: microphone audio faster than real time', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Milliseconds of microphone audio the backend has received. */
  const forwardedMs = (): number => gw.tap.clientEvents('input_audio_buffer.append')
    .reduce((n, e) => n + base64ByteLength(e.audio as string), 0) / BYTES_PER_MS;

  it('forwards only real time plus a burst, tells the device once, and closes a device that keeps it up', async () => {
    const startedAt = performance.now();
    // From its own address: the one it is closed for must wait before it may connect again.
    const device = await KioskClient.connect(gw.wsUrl, {}, '127.0.0.2');
    await device.waitFor('session.ready');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      device.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    // 60 s of audio in 100 ms frames, as fast as the socket takes it.
    const frame = Buffer.alloc(100 * BYTES_PER_MS);
    for (let i = 0; i < 600; i++) device.ws.send(frame);

    const ended = await device.waitFor('session.ended');
    expect(ended.reason).toBe('audio_too_fast');
    expect(await closed).toEqual({ code: 1008, reason: 'VG_ERR_AUDIO_TOO_FAST' });
    const elapsedMs = performance.now() - startedAt;
    expect(elapsedMs).toBeLessThan(60_000);
    await expect.poll(() => gw.tap.openConnections()).toBe(0);
    expect(forwardedMs()).toBeLessThanOrEqual(elapsedMs + AUDIO_BURST_MS);
    expect(forwardedMs()).toBeGreaterThanOrEqual(AUDIO_BURST_MS);
    const errors = device.events.filter((e) => e.type === 'error');
    expect(errors).toEqual([{ type: 'error', code: 'VG_ERR_AUDIO_TOO_FAST', message: expect.stringMatching(/ahead of real time/) }]);
  });

  it('leaves a device that sends in real time alone, for longer than the burst', async () => {
    const before = forwardedMs();
    const device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    const seconds = AUDIO_BURST_MS / 1000 + 2;
    await device.sendPcm(new Int16Array(24_000 * seconds), 1);
    await expect.poll(() => forwardedMs() - before).toBe(seconds * 1000);
    expect(device.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(device.ws.readyState).toBe(device.ws.OPEN);
    device.close();
  });
});
