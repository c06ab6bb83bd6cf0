import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { sampleValue } from '../helpers/prometheus.ts';

describe('GET /metrics', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('counts a kiosk call from session.ready to hang-up', async () => {
    const scrape = async () => (await fetch(`${gw.httpUrl}/metrics`)).text();
    const device = await KioskClient.connect(gw.wsUrl);
    const ready = await device.waitFor('session.ready');
    expect(sampleValue(await scrape(), 'voice_gateway_sessions_live', { edge: 'kiosk' })).toBe(1);

    device.control({ type: 'hangup' });
    await device.waitFor('session.ended');
    await expect.poll(async () => sampleValue(await scrape(), 'voice_gateway_sessions_live', { edge: 'kiosk' })).toBe(0);

    const response = await fetch(`${gw.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sampleValue(text, 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(1);
    const ended = { edge: 'kiosk', reason: 'hangup' };
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_count', ended)).toBe(1);
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_sum', ended)).toBeGreaterThan(0);
    expect(text).not.toContain(ready.session_id);
  });
});
