import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import { defineAgent } from '../../src/engine/agent.ts';
import { defineTool } from '../../src/tools/define-tool.ts';

// The emulated model follows the conversation: whatever the caller does out of turn, each
// response is decided from the state the session is in, so the flow still moves along its
// declared transitions. And an agent with no script at all is walked through its graph.

/** The flow is a dozen turns, some spoken in real time: room for a loaded machine. */
const FLOW_TIMEOUT_MS = 120_000;

describe('the demo flow with a caller who deviates', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  it('reaches the tour guide with authenticateUser called: speaks during the greeting, barges in twice, types a turn', async () => {
    // Audio in real time, so a response is still streaming when the caller cuts in.
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', timing: { audioPace: 1 } });
    // Speech synthesized up front, so a barge-in starts the moment it is meant to.
    const lines = ['Hello, I would like to check in. My name is Jane.', 'Jane. J A N E.', 'Okay, go ahead.'];
    const pcm = new Map(await Promise.all(lines.map(async (line) => [line, await speechPcm(line, { leadingSilenceMs: 100, trailingSilenceMs: 1000 })] as const)));
    device = await KioskClient.connect(gw.wsUrl);
    const speak = async (text: string) => device.sendPcm(pcm.get(text)!, 4);
    const partial = (pattern: RegExp) => device.waitFor('transcript', (e) => e.role === 'assistant' && !e.final && pattern.test(e.text), 30_000);

    // 1. The caller talks over the greeting.
    await partial(/front desk/);
    await speak('Hello, I would like to check in. My name is Jane.');
    await device.waitFor('state.changed', (e) => e.to === '2_get_first_name', 30_000);
    // 2. ...and over the confirmation, before its move to the last name: the state stays, the move comes again.
    await partial(/Thank you/);
    await speak('Jane. J A N E.');
    // 3. A typed turn gives the last name.
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text), 30_000);
    device.control({ type: 'input_text', text: 'Doe. D-O-E.' });
    // 4. A second barge-in, over the announcement of the check.
    await partial(/I will now/);
    await speak('Okay, go ahead.');

    const handoff = await device.waitFor('state.changed', (e) => e.agent === 'tourGuide', 60_000);
    expect(handoff).toMatchObject({ to: '1_welcome', slots: { first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' } });
    const verify = await device.waitFor('tool.result', (e) => e.name === 'authenticateUser');
    expect(JSON.parse(verify.output)).toMatchObject({ verified: true });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /tour guide/.test(e.text) && device.events.indexOf(e) > device.events.indexOf(handoff), 30_000);

    // The moves went one state at a time, none refused.
    const moves = device.events.flatMap((e) => (e.type === 'state.changed' ? [`${e.agent}/${e.to}`] : []));
    expect(moves).toEqual(['frontDesk/2_get_first_name', 'frontDesk/3_get_last_name', 'frontDesk/4_next_steps', 'tourGuide/1_welcome']);
    expect(device.events.filter((e) => e.type === 'tool.result' && e.name === 'change_state' && e.error)).toEqual([]);
    // Three responses were cut by the caller's speech: the greeting and two barge-ins, the first
    // before its move (the confirmation was said again, whole, with the move).
    type Done = { status_details?: { reason?: string } | null; output: { name?: string; content?: { transcript?: string }[] }[] };
    const done = gw.tap.events.flatMap((e) => (e.direction === 'server' && e.event.type === 'response.done' ? [e.event.response as Done] : []));
    const cut = done.filter((r) => r.status_details?.reason === 'turn_detected');
    expect(cut.length).toBeGreaterThanOrEqual(3);
    expect(cut[0].output.every((o) => o.name === undefined)).toBe(true);
    const confirmations = done.filter((r) => r.output.some((o) => o.content?.[0]?.transcript?.startsWith('Thank you.')));
    expect(confirmations.map((r) => r.output.map((o) => o.name ?? 'say'))).toEqual([['say'], ['say', 'change_state']]);
    // The typed turn reached the model as text.
    expect(gw.tap.events.some((e) => e.direction === 'client' && e.event.type === 'conversation.item.create' && JSON.stringify(e.event).includes('Doe. D-O-E.'))).toBe(true);
  }, FLOW_TIMEOUT_MS);
});

describe('an agent with no script', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  const lookUp = defineTool<{ topic?: string }>({
    name: 'lookUp',
    description: 'Look a topic up.',
    parameters: { type: 'object', properties: { topic: { type: 'string', description: 'The topic.' } }, required: ['topic'], additionalProperties: false },
    handler: async ({ topic }) => ({ found: true, topic }),
  });
  const walker = defineAgent({
    name: 'walker',
    voice: 'ash',
    sections: { roleAndObjective: 'Answer questions about a topic.' },
    statesFile: 'walker.json',
    tools: [lookUp],
    handoffs: [],
  });

  it('is walked through all its states by the default responder, calling the tool its state names', async () => {
    gw = await startTestGateway({ agents: [walker], statesDir: fileURLToPath(new URL('../fixtures/states/', import.meta.url)) });
    device = await KioskClient.connect(gw.wsUrl);
    const heard = async (text: string) => device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === text, 30_000);
    await heard('Hello, what would you like to know about?');
    await device.sendPcm(await speechPcm('Tell me something.', { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
    await heard('Which topic, exactly?');
    // A typed answer is the value the state collects.
    device.control({ type: 'input_text', text: 'the moon' });
    await heard('Let me look that up.');
    device.control({ type: 'input_text', text: 'Go on.' });
    await heard('Here is one more fact for you.');
    device.control({ type: 'input_text', text: 'Thanks.' });
    await heard('Goodbye.');
    await device.waitFor('session.ended', () => true, 30_000);

    const moves = device.events.flatMap((e) => (e.type === 'state.changed' ? [e.to] : []));
    expect(moves).toEqual(['2_topic', '3_lookup', '4_more', '5_bye']);
    const call = await device.waitFor('tool.call', (e) => e.name === 'lookUp');
    expect(JSON.parse(call.arguments)).toEqual({ topic: 'the moon' });
    expect(device.events.find((e) => e.type === 'state.changed' && e.to === '3_lookup')).toMatchObject({ slots: { topic: 'the moon' } });
  }, FLOW_TIMEOUT_MS);
});
