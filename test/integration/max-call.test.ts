import { afterEach, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// MAX_CALL_S: a line left open (hold music, a voicemail that picked up) does not run for ever.

describe('a call at its longest (MAX_CALL_S)', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  it('hears a short goodbye and ends with max_duration', async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { maxCallS: 1 } });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    const ended = await device.waitFor('session.ended', () => true, 15_000);
    expect(ended).toMatchObject({ reason: 'max_duration' });
    // The goodbye was asked for before the end (the farewell's own instructions went to the backend).
    expect(gw.tap.events.some((e) => e.direction === 'client' && e.event.type === 'response.create' && JSON.stringify(e.event).includes('must end this call now'))).toBe(true);
  });

  it('ends with max_duration even when the goodbye itself fails (it is not asked again as an ordinary turn)', async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, config: { maxCallS: 2 } });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    const before = gw.tap.events.length;
    gw.tap.swallow((e) => e.type === 'response.create', () => ({
      type: 'response.done', event_id: 'event_failed',
      response: { id: 'resp_failed', object: 'realtime.response', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: 'server_error' } }, output: [] },
    }));
    const ended = await device.waitFor('session.ended', () => true, 20_000);
    expect(ended).toMatchObject({ reason: 'max_duration' });
    expect(gw.tap.events.slice(before).filter((e) => e.direction === 'client' && e.event.type === 'response.create')).toHaveLength(1);
  });
});
