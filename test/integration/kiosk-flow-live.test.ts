import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import { rms } from '../../src/audio/pcm.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';
import type { SessionStartEvent } from 'openai/resources/live/live';

type Wire = TappedEvent['event'];

/** The backend's function calls on the wire (inside `response.event`), with the client events up to their output. */
function delegatedCalls(events: TappedEvent[]) {
  return events.flatMap((e, i) => {
    const nested = e.event.event as { type?: string; item?: { type?: string; name?: string; call_id?: string; arguments?: string } } | undefined;
    if (e.direction !== 'server' || e.event.type !== 'response.event' || nested?.type !== 'response.output_item.done' || nested.item?.type !== 'function_call') return [];
    const item = nested.item;
    const rest = events.slice(i + 1);
    const outputAt = rest.findIndex((r) => r.direction === 'client' && r.event.type === 'response.item.create' && (r.event.item as { call_id?: string }).call_id === item.call_id);
    const before = rest.slice(0, outputAt < 0 ? rest.length : outputAt).filter((r) => r.direction === 'client').map((r) => r.event);
    return [{ name: item.name!, arguments: JSON.parse(item.arguments ?? '{}') as Record<string, unknown>, clientEventsBeforeOutput: before }];
  });
}

type Responses = { instructions?: string; tools?: { name: string; parameters?: { properties?: { next_step?: { enum?: string[] } } } }[] };
function backendUpdates(events: Wire[]): Responses[] {
  return events.filter((e) => e.type === 'session.update').map((e) => (e.session as { delegation: { responses: Responses } }).delegation.responses);
}

describe('kiosk edge on GPT-Live: the whole front-desk flow by voice, against the emulator', () => {
  let gw: TestGateway;
  let device: KioskClient;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', api: 'live' });
    device = await KioskClient.connect(gw.wsUrl);
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
  });

  async function say(text: string): Promise<void> {
    device.reportPlayed(device.receivedSinceClearMs);
    await device.sendPcm(await speechPcm(text, { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
  }

  it('starts a Live session with fixed voice instructions and the state machine on the delegation backend', async () => {
    const ready = await device.waitFor('session.ready');
    expect(ready).toMatchObject({ agent: 'frontDesk', state: '1_greeting', mode: 'vad' });
    const start = gw.tap.clientEvents('session.start')[0] as unknown as SessionStartEvent;
    expect(start.session.model).toBe('gpt-live-1');
    expect(start.session.audio).toEqual({ format: { type: 'audio/pcm', rate: 24000 }, output: { voice: 'sage' } });
    expect(start.session.instructions).toContain('# Unclear audio');
    expect(start.session.instructions).not.toContain('## Current state');
    const delegation = start.session.delegation;
    expect(delegation?.type).toBe('responses');
    const responses = delegation?.type === 'responses' ? delegation.responses : undefined;
    expect(responses?.model).toBe('gpt-5.1');
    expect(responses?.instructions).toContain('## Current state: 1_greeting');
    expect(responses?.tools?.map((t) => ('name' in t ? t.name : t.type))).toContain('change_state');
    // Nothing of Realtime's vocabulary reaches a Live backend.
    expect(gw.tap.events.filter((e) => e.direction === 'client').map((e) => e.event.type).filter((t) => /^(input_audio_buffer|conversation|response\.cancel)/.test(t))).toEqual([]);
  });

  it('greets with real speech', async () => {
    const greeting = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    expect(greeting.text).toMatch(/front desk/i);
    const pcm = new Int16Array(Buffer.concat(device.audio).buffer.slice(0));
    expect(device.audioMs()).toBeGreaterThan(2000);
    expect(rms(pcm)).toBeGreaterThan(500);
    // GPT-Live has no end-of-answer event: the closed transcript turn is the device's cue.
    const done = await device.waitFor('audio.done');
    expect(done.item_id).toBe(greeting.item_id);
    expect(done.audio_ms).toBeGreaterThan(2000);
  });

  it('moves through first and last name on spoken turns, one backend update per move, each announced to the voice', async () => {
    await say('My first name is Jane.');
    const user = await device.waitFor('transcript', (e) => e.role === 'user' && e.final);
    expect(user.text).toBe('My first name is Jane, J-A-N-E.');
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text));
    await say('Doe. D O E.');
    await device.waitFor('state.changed', (e) => e.to === '4_next_steps');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.item.create' && JSON.stringify(e.event).includes('4_next_steps'));
    const moves = device.events.filter((e) => e.type === 'state.changed').slice(0, 3);
    expect(moves).toEqual([
      { type: 'state.changed', from: '1_greeting', to: '2_get_first_name', agent: 'frontDesk', slots: {} },
      { type: 'state.changed', from: '2_get_first_name', to: '3_get_last_name', agent: 'frontDesk', slots: { first_name: 'Jane' } },
      { type: 'state.changed', from: '3_get_last_name', to: '4_next_steps', agent: 'frontDesk', slots: { first_name: 'Jane', last_name: 'Doe' } },
    ]);
    for (const call of delegatedCalls(gw.tap.events).filter((c) => c.name === 'change_state')) {
      const updates = backendUpdates(call.clientEventsBeforeOutput);
      expect(updates).toHaveLength(1);
      const to = call.arguments.next_step as string;
      expect(updates[0].instructions).toContain(`## Current state: ${to}`);
      const allowed = { '2_get_first_name': ['3_get_last_name'], '3_get_last_name': ['4_next_steps'], '4_next_steps': undefined }[to];
      expect(updates[0].tools?.find((t) => t.name === 'change_state')?.parameters?.properties?.next_step?.enum).toEqual(allowed);
      const appends = call.clientEventsBeforeOutput.filter((e) => e.type === 'session.instructions.append');
      expect(appends).toHaveLength(1);
      expect(appends[0].content).toContain(to);
    }
    // Each output is followed by exactly one response.create.
    expect(gw.tap.clientEvents('response.create').length).toBeGreaterThanOrEqual(3);
  });

  it('verifies the caller with authenticateUser and hands over to the tour guide', async () => {
    const call = await device.waitFor('tool.call', (e) => e.name === 'authenticateUser');
    expect(JSON.parse(call.arguments)).toEqual({ first_name: 'Jane', last_name: 'Doe' });
    const result = await device.waitFor('tool.result', (e) => e.name === 'authenticateUser');
    expect(result.error).toBe(false);
    expect(JSON.parse(result.output)).toMatchObject({ verified: true });
    await device.waitFor('slots.changed', (e) => e.slots.member_id === 'M-1001');
    const verify = delegatedCalls(gw.tap.events).find((c) => c.name === 'authenticateUser');
    const refreshed = backendUpdates(verify?.clientEventsBeforeOutput ?? []);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0].tools?.map((t) => t.name)).toContain('transfer_to_tourGuide');

    const handoff = await device.waitFor('state.changed', (e) => e.agent === 'tourGuide');
    const afterHandoff = device.events.indexOf(handoff);
    expect(handoff).toMatchObject({ from: '4_next_steps', to: '1_welcome', agent: 'tourGuide', slots: { first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' } });
    expect(handoff.graph?.agent).toBe('tourGuide');
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.item.create' && JSON.stringify(e.event).includes('tourGuide'));
    const transfer = delegatedCalls(gw.tap.events).find((c) => c.name === 'transfer_to_tourGuide');
    const updates = backendUpdates(transfer?.clientEventsBeforeOutput ?? []);
    expect(updates).toHaveLength(1);
    expect(updates[0].instructions).toContain('## Current state: 1_welcome');
    expect(updates[0].instructions).toContain('## Known so far\nAlready collected and confirmed; do not ask for these again.\n- first_name: "Jane"\n- last_name: "Doe"\n- member_id: "M-1001"');
    expect(updates[0].tools?.map((t) => t.name)).toContain('getFacilityInfo');
    expect(updates[0].tools?.map((t) => t.name)).not.toContain('authenticateUser');
    const persona = transfer?.clientEventsBeforeOutput.filter((e) => e.type === 'session.instructions.append') ?? [];
    expect(persona.map((e) => e.content).join('\n')).toMatch(/tourGuide/);
    expect(gw.tap.events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);

    // The tour guide speaks first, as its script turn says (the front desk's last line may close after the handoff).
    const words = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) > afterHandoff && /overview/i.test(e.text));
    expect(words.text).toMatch(/Tour desk.*tour guide.*overview/i);
  });

  it('answers from a tool, reaches the final state, says goodbye and hangs up; the Live session closes with its usage', async () => {
    await say('Yes please, what do you have?');
    await device.waitFor('state.changed', (e) => e.to === '2_overview');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /Pick one/.test(e.text));
    await say('When is the pool open?');
    const facility = await device.waitFor('tool.result', (e) => e.name === 'getFacilityInfo');
    expect(facility.error).toBe(false);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /Anything else/.test(e.text));
    await say('No, that\'s all. Thanks.');
    await device.waitFor('state.changed', (e) => e.to === '3_wrap_up');
    const ended = await device.waitFor('session.ended', () => true, 30_000);
    expect(ended.reason).toBe('agent_hangup');
    // The goodbye was said before the line closed.
    const goodbye = device.events.findIndex((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && /Enjoy your stay/.test(e.text));
    expect(goodbye).toBeGreaterThan(-1);
    expect(goodbye).toBeLessThan(device.events.indexOf(ended));
    const closed = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.closed');
    expect(closed.event).toMatchObject({ reason: 'close_requested' });
    expect((closed.event.usage as { seconds: number }).seconds).toBeGreaterThan(0);
  }, 60_000);
});
