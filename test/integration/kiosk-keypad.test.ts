import { afterEach, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// A kiosk with a keypad sends its keys as `dtmf` control messages: they reach the agent as one
// entry, as a phone caller's keys do; a message that is not one key is refused by name.

describe('kiosk edge: keypad keys', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  it('reach the agent as one entry; a bad key is refused with VG_ERR_BAD_FRAME and the call goes on', async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    device.control({ type: 'dtmf', digit: '12' });
    const refused = await device.waitFor('error');
    expect(refused).toMatchObject({ code: 'VG_ERR_BAD_FRAME' });
    for (const digit of ['4', '2', '#']) device.control({ type: 'dtmf', digit });
    const entry = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create' && JSON.stringify(e.event).includes('The caller pressed 4 2 #'));
    expect(entry).toBeDefined();
    expect(device.events.filter((e) => e.type === 'session.ended')).toEqual([]);
  });
});
