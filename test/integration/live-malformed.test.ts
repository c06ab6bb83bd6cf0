import { afterEach, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// Fault test on GPT-Live: the backend sends events that break the gateway's assumptions (a keypad
// event with no key, a transcript delta with no text). Each costs that event only: the call, and
// the process, go on.

describe('GPT-Live backend: malformed events', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  it('are dropped; the call goes on and the next turn is answered', async () => {
    gw = await startTestGateway({ script: GREETING_SCRIPT, api: 'live' });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    gw.tap.inject({ type: 'transport.dtmf.received', event_id: 'e1' });
    gw.tap.inject({ type: 'transport.dtmf.received', event_id: 'e2', event: 5 });
    gw.tap.inject({ type: 'session.output_transcript.delta', event_id: 'e3' });
    gw.tap.inject({ type: 'response.event', event_id: 'e4', event: null });
    const before = device.events.length;
    device.control({ type: 'input_text', text: 'are you still there?' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) >= before);
    expect(device.events.filter((e) => e.type === 'session.ended')).toEqual([]);
    expect(gw.app.sessions.size).toBe(1);
  });
});
