import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayAt, type GatewayAt } from '../helpers/gateway-at.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';

describe('request logging at info', () => {
  let emulator: RunningEmulator;
  let gw: GatewayAt;
  const lines: { msg: string; req?: { url?: string } }[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({});
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    gw = await startGatewayAt(emulator.url, { logger });
  });
  afterAll(async () => {
    await gw?.close();
    await emulator?.close();
  });

  it('leaves out the page\'s own files, and keeps the API\'s requests', async () => {
    for (const path of ['/', '/app.js', '/style.css']) expect((await fetch(`${gw.httpUrl}${path}`)).status).toBe(200);
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
    const logged = lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url);
    expect(logged).toEqual(['/healthz']);
  });
});
