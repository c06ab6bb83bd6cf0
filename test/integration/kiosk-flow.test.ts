import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import { rms } from '../../src/audio/pcm.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';

type WireEvent = TappedEvent['event'];

/** The function calls the model made on the wire, with the client events up to their output. */
function callsOnWire(events: TappedEvent[]) {
  return events.flatMap((e, i) => {
    const item = e.event.item as { type?: string; name?: string; call_id?: string; arguments?: string } | undefined;
    if (e.direction !== 'server' || e.event.type !== 'response.output_item.done' || item?.type !== 'function_call') return [];
    const rest = events.slice(i + 1);
    const outputAt = rest.findIndex((r) => r.direction === 'client' && r.event.type === 'conversation.item.create'
      && (r.event.item as { call_id?: string }).call_id === item.call_id);
    const before = rest.slice(0, outputAt < 0 ? rest.length : outputAt).filter((r) => r.direction === 'client').map((r) => r.event);
    return [{ name: item.name!, arguments: JSON.parse(item.arguments ?? '{}') as Record<string, unknown>, clientEventsBeforeOutput: before }];
  });
}

function sessionUpdates(events: WireEvent[]) {
  return events.filter((e) => e.type === 'session.update').map((e) => e.session as {
    instructions?: string; tools?: { name: string; parameters?: { properties?: { next_step?: { enum?: string[] } } } }[];
  });
}

describe('kiosk edge: the whole front-desk flow by voice, against the emulator', () => {
  let gw: TestGateway;
  let device: KioskClient;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json' });
    device = await KioskClient.connect(gw.wsUrl);
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
  });

  /** Speaks like a person at the kiosk after having heard everything the agent said. */
  async function say(text: string): Promise<void> {
    device.reportPlayed(device.receivedSinceClearMs);
    await device.sendPcm(await speechPcm(text, { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
  }

  it('greets with real speech once the session is ready', async () => {
    const ready = await device.waitFor('session.ready');
    expect(ready).toMatchObject({ agent: 'frontDesk', state: '1_greeting', mode: 'vad' });
    expect(ready.graph.states.map((s) => s.id)).toEqual(['1_greeting', '2_get_first_name', '3_get_last_name', '4_next_steps']);
    const greeting = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    expect(greeting.text).toMatch(/front desk/i);
    const pcm = new Int16Array(Buffer.concat(device.audio).buffer.slice(0));
    expect(device.audioMs()).toBeGreaterThan(2000);
    expect(rms(pcm)).toBeGreaterThan(500);
  });

  it('moves through first and last name on spoken turns, one session.update per move', async () => {
    await say('My first name is Jane.');
    const user = await device.waitFor('transcript', (e) => e.role === 'user' && e.final);
    expect(user.text).toBe('My first name is Jane, J-A-N-E.');
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text));
    await say('Doe. D O E.');
    await device.waitFor('state.changed', (e) => e.to === '4_next_steps');

    // The move's tool output reaches the backend right after the device hears of the move.
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && JSON.stringify(e.event).includes('4_next_steps'));
    const moves = device.events.filter((e) => e.type === 'state.changed').slice(0, 3);
    // Each name is collected by the move that leaves its state, and carried on.
    expect(moves).toEqual([
      { type: 'state.changed', from: '1_greeting', to: '2_get_first_name', agent: 'frontDesk', slots: {} },
      { type: 'state.changed', from: '2_get_first_name', to: '3_get_last_name', agent: 'frontDesk', slots: { first_name: 'Jane' } },
      { type: 'state.changed', from: '3_get_last_name', to: '4_next_steps', agent: 'frontDesk', slots: { first_name: 'Jane', last_name: 'Doe' } },
    ]);
    expect(device.events.filter((e) => e.type === 'slots.changed').slice(0, 2).map((e) => e.type === 'slots.changed' && e.slots)).toEqual([
      { first_name: 'Jane' }, { first_name: 'Jane', last_name: 'Doe' },
    ]);
    for (const call of callsOnWire(gw.tap.events).filter((c) => c.name === 'change_state')) {
      const updates = sessionUpdates(call.clientEventsBeforeOutput);
      expect(updates).toHaveLength(1);
      const to = call.arguments.next_step as string;
      expect(updates[0].instructions).toContain(`## Current state: ${to}`);
      const changeState = updates[0].tools?.find((t) => t.name === 'change_state');
      const allowed = { '2_get_first_name': ['3_get_last_name'], '3_get_last_name': ['4_next_steps'], '4_next_steps': undefined }[to];
      expect(changeState?.parameters?.properties?.next_step?.enum).toEqual(allowed);
    }
  });

  it('verifies the caller with authenticateUser and transfers to the tour guide', async () => {
    const call = await device.waitFor('tool.call', (e) => e.name === 'authenticateUser');
    expect(JSON.parse(call.arguments)).toEqual({ first_name: 'Jane', last_name: 'Doe' });
    const result = await device.waitFor('tool.result', (e) => e.name === 'authenticateUser');
    expect(result.error).toBe(false);
    expect(JSON.parse(result.output)).toMatchObject({ verified: true });
    // The tool recorded the member id; only then is the handoff offered (4_next_steps requires it).
    await device.waitFor('slots.changed', (e) => e.slots.member_id === 'M-1001');
    const verify = callsOnWire(gw.tap.events).find((c) => c.name === 'authenticateUser');
    const refreshed = sessionUpdates(verify?.clientEventsBeforeOutput ?? []);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0].tools?.map((t) => t.name)).toContain('transfer_to_tourGuide');
    const intoLastState = callsOnWire(gw.tap.events).find((c) => c.name === 'change_state' && c.arguments.next_step === '4_next_steps');
    expect(sessionUpdates(intoLastState?.clientEventsBeforeOutput ?? [])[0].tools?.map((t) => t.name)).not.toContain('transfer_to_tourGuide');

    const handoff = await device.waitFor('state.changed', (e) => e.agent === 'tourGuide');
    const afterHandoff = device.events.indexOf(handoff);
    expect(handoff).toMatchObject({ from: '4_next_steps', to: '1_welcome', agent: 'tourGuide', slots: { first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' } });
    expect(handoff.graph?.agent).toBe('tourGuide');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type?: string }).type === 'function_call_output' && JSON.stringify(e.event).includes('tourGuide'));
    const transfer = callsOnWire(gw.tap.events).find((c) => c.name === 'transfer_to_tourGuide');
    const updates = sessionUpdates(transfer?.clientEventsBeforeOutput ?? []);
    expect(updates).toHaveLength(1);
    expect(updates[0].instructions).toContain('## Current state: 1_welcome');
    // The tour guide knows what the front desk learned.
    expect(updates[0].instructions).toContain('## Known so far\nAlready collected and confirmed; do not ask for these again.\n- first_name: "Jane"\n- last_name: "Doe"\n- member_id: "M-1001"');
    expect(updates[0].tools?.map((t) => t.name)).toContain('getFacilityInfo');
    expect(updates[0].tools?.map((t) => t.name)).not.toContain('authenticateUser');
    // The backend accepted it: the voice stayed the one already heard (a change would be refused
    // with cannot_update_voice, and the whole update with it).
    const accepted = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.updated'
      && JSON.stringify(e.event).includes('Current state: 1_welcome'));
    expect((accepted.event.session as { audio: { output: { voice: string } } }).audio.output.voice).toBe('sage');
    expect(gw.tap.events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);

    // The tour guide speaks first, as its script turn says.
    const words = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) > afterHandoff);
    expect(words.text).toMatch(/tour guide.*overview/i);
  });
});
