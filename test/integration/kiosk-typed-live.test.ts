import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// Typed turns on GPT-Live, which has no typed input: the gateway passes the caller's words as
// commentary to answer now, and the emulated model takes them as the caller's turn, so a typed
// conversation moves along the states as a spoken one does. Its own prompts (open the call) do not.

describe('kiosk edge on GPT-Live: typed turns', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  it('move the conversation along its transitions (the default responder), and the greeting moves nothing', async () => {
    gw = await startTestGateway({ api: 'live', startAgent: 'tourGuide' });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    expect(device.events.filter((e) => e.type === 'state.changed')).toEqual([]);
    device.control({ type: 'input_text', text: 'Yes, the overview please.' });
    const moved = await device.waitFor('state.changed');
    expect(moved).toMatchObject({ agent: 'tourGuide', from: '1_welcome', to: '2_overview' });
  });
});
