import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';
import { defineAgent } from '../../src/engine/agent.ts';
import { defineTool } from '../../src/tools/define-tool.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';

// Fault tests: the backend connection is cut under a live call (the tap resets every connection
// through it, as a network failure would), and the call must go on in the same state, with its
// history, its tool results delivered once, and the caller's next turn answered.

const STATES_DIR = fileURLToPath(new URL('../fixtures/states/', import.meta.url));

/** While set, the lookup tool waits for it: a tool call running when the line drops. */
let toolGate: { promise: Promise<void>; release: () => void; entered: boolean } | undefined;
const slowLookup = defineTool<{ city: string }>({
  name: 'lookup',
  description: 'Looks a city up, slowly.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  handler: async ({ city }) => {
    if (toolGate) {
      toolGate.entered = true;
      await toolGate.promise;
    }
    return { city, population: 709_000 };
  },
});

function gateTool(): NonNullable<typeof toolGate> {
  let release = () => {};
  const promise = new Promise<void>((resolve) => { release = resolve; });
  toolGate = { promise, release, entered: false };
  return toolGate;
}

const survivor = defineAgent({
  name: 'survivor',
  voice: 'ash',
  sections: { roleAndObjective: 'Survive a dropped line.' },
  statesFile: 'tester.json',
  tools: [slowLookup],
  handoffs: [],
});

const LONG_GREETING = 'Welcome to the reconnect test line. This greeting goes on for a while, so that the line can drop while it plays, and the agent can pick up again.';

const script: ConversationScript = {
  name: 'reconnect',
  turns: [
    { responses: [[{ say: LONG_GREETING }]] },
    { user: 'Move on.', responses: [
      [{ call: 'change_state', arguments: { next_step: '2_done' } }],
      [{ say: 'Moved on.' }],
    ] },
    { user: 'Look up Oslo.', responses: [
      [{ call: 'lookup', arguments: { city: 'Oslo' } }],
      [{ say: 'Oslo has about seven hundred thousand people.' }],
    ] },
  ],
};

const fromConnection = (events: TappedEvent[], n: number) => events.filter((e) => e.connection === n);

describe('backend link: a call survives a dropped backend connection', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    toolGate?.release();
    toolGate = undefined;
    device?.close();
    await gw?.close();
  });

  /** `realTime`: the emulator speaks at the pace of speech, so a drop surely lands mid-turn. */
  async function call(realTime = false): Promise<void> {
    gw = await startTestGateway({ script, agents: [survivor], statesDir: STATES_DIR, timing: realTime ? { audioPace: 1 } : {} });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
  }

  it('drop during agent speech: restores state and history, and the agent is heard again', async () => {
    await call();
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === LONG_GREETING);
    device.reportPlayed(device.receivedSinceClearMs); // heard it all
    device.control({ type: 'input_text', text: 'Move on.' });
    await device.waitFor('state.changed', (e) => e.to === '2_done');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Moved on.');
    const audioBefore = device.audio.length;

    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    await device.waitFor('backend.restored');
    expect(gw.tap.connectionsOpened()).toBe(2);

    const second = fromConnection(gw.tap.events, 1);
    const updates = second.filter((e) => e.direction === 'client' && e.event.type === 'session.update')
      .map((e) => e.event.session as { instructions?: string; audio?: { input?: { format?: unknown } } });
    // The current state (not the start state) is what the new connection is configured with.
    expect(updates.some((u) => u.instructions?.includes('Current state: 2_done'))).toBe(true);
    expect(updates.filter((u) => u.audio?.input?.format).every((u) => JSON.stringify(u.audio?.input?.format) === '{"type":"audio/pcm","rate":24000}')).toBe(true);
    // The conversation so far, as items: the greeting and the answer as text, the user's turn, the move.
    const restored = second.filter((e) => e.direction === 'client' && e.event.type === 'conversation.item.create').map((e) => e.event.item as Record<string, unknown>);
    expect(JSON.stringify(restored)).toContain(LONG_GREETING);
    expect(JSON.stringify(restored)).toContain('"text":"Move on."');
    expect(restored.filter((i) => i.type === 'function_call' && i.name === 'change_state')).toHaveLength(1);
    expect(restored.filter((i) => i.type === 'function_call_output')).toHaveLength(1);
    expect(second.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
    // Tracing stays off on the restored connection, as on the first.
    const tracing = second.filter((e) => e.direction === 'client' && e.event.type === 'session.update')
      .map((e) => (e.event.session as { tracing?: unknown }).tracing).filter((t) => t !== undefined);
    expect(tracing.every((t) => t === null)).toBe(true);

    // The caller's next turn is answered on the new connection, with audio, where the script is.
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Look up Oslo.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /seven hundred thousand/.test(e.text));
    expect(device.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(device.audio.length).toBeGreaterThan(audioBefore);
    expect(device.events.filter((e) => e.type === 'session.ready')).toHaveLength(1);
    expect(gw.app.sessions.size).toBe(1);
  });

  it('drop while the agent talks: the agent picks up where the caller stopped hearing', async () => {
    await call(true);
    // Mid-greeting: some of it has arrived, the rest never will on this connection.
    await gw.tap.waitFor((e) => e.event.type === 'response.output_audio_transcript.delta');
    await waitUntil(() => device.audio.length > 0);
    gw.tap.dropConnections();
    // The caller is told the turn stopped where its audio did, and its line ends with what was said.
    const turnCut = await device.waitFor('turn.cut');
    expect(turnCut.cause).toBe('backend_dropped');
    expect(turnCut.heard_ms).toBeGreaterThan(0);
    expect(turnCut.heard_ms).toBeLessThanOrEqual(Math.ceil(device.receivedSinceClearMs));
    const line = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.item_id === turnCut.item_id);
    expect(LONG_GREETING.startsWith(line.text)).toBe(true);
    expect(line.text.length).toBeLessThan(LONG_GREETING.length);
    await device.waitFor('backend.restored');
    const second = fromConnection(gw.tap.events, 1);
    const restored = second.filter((e) => e.direction === 'client' && e.event.type === 'conversation.item.create').map((e) => e.event.item as { role?: string; content?: { text?: string }[] });
    const cut = restored.find((i) => i.role === 'assistant')?.content?.[0]?.text ?? '';
    expect(cut.length).toBeGreaterThan(0);
    expect(LONG_GREETING.startsWith(cut.trim())).toBe(true);
    // ...and the agent is asked to go on, and is heard.
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.create' && second.length > 0
      && fromConnection(gw.tap.events, 1).includes(e));
    const heardBefore = device.audio.length;
    await waitUntil(() => device.audio.length > heardBefore);
  });

  it('drop during a tool call: its result is delivered once, on the new connection, and answered', async () => {
    await call();
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Move on.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Moved on.');
    device.reportPlayed(device.receivedSinceClearMs);
    const gate = gateTool();
    device.control({ type: 'input_text', text: 'Look up Oslo.' });
    const started = await device.waitFor('tool.call', (e) => e.name === 'lookup');
    await waitUntil(() => gate.entered);

    gw.tap.dropConnections();
    await device.waitFor('backend.restored');
    gate.release();
    await device.waitFor('tool.result', (e) => e.call_id === started.call_id);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /seven hundred thousand/.test(e.text));

    const outputs = (n: number) => fromConnection(gw.tap.events, n).filter((e) => e.direction === 'client'
      && e.event.type === 'conversation.item.create' && (e.event.item as { type?: string; call_id?: string }).type === 'function_call_output'
      && (e.event.item as { call_id?: string }).call_id === started.call_id);
    expect(outputs(0)).toHaveLength(0);
    expect(outputs(1)).toHaveLength(1);
    // The call it answers was re-created first, on the same connection.
    const restoredCall = fromConnection(gw.tap.events, 1).findIndex((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type?: string; call_id?: string }).type === 'function_call' && (e.event.item as { call_id?: string }).call_id === started.call_id);
    expect(restoredCall).toBeGreaterThanOrEqual(0);
    expect(device.events.filter((e) => e.type === 'tool.result' && e.call_id === started.call_id)).toHaveLength(1);
  });

  it('drop mid-turn: the caller audio sent during the gap reaches the new connection', async () => {
    await call();
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    const speech = await speechPcm('What time is breakfast?', { leadingSilenceMs: 200, trailingSilenceMs: 1000 });
    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    await device.sendPcm(speech, 8);
    await device.waitFor('backend.restored');
    const appended = fromConnection(gw.tap.events, 1).filter((e) => e.direction === 'client' && e.event.type === 'input_audio_buffer.append')
      .reduce((n, e) => n + Buffer.from(e.event.audio as string, 'base64').length, 0);
    await waitUntil(() => fromConnection(gw.tap.events, 1).filter((e) => e.direction === 'client' && e.event.type === 'input_audio_buffer.append')
      .reduce((n, e) => n + Buffer.from(e.event.audio as string, 'base64').length, 0) >= speech.length * 2 * 0.9);
    expect(appended).toBeGreaterThanOrEqual(0);
    // The turn is heard and answered.
    await device.waitFor('transcript', (e) => e.role === 'user' && e.final);
  });

  it('a call outlives its backend session: rolled over before the time limit, without an error', async () => {
    gw = await startTestGateway({ script, agents: [survivor], statesDir: STATES_DIR, sessionMaxMs: 4_000 });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    await waitUntil(() => gw.tap.connectionsOpened() >= 3, 20_000);
    expect(gw.tap.events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
    expect(device.events.filter((e) => e.type === 'session.ended' || e.type === 'backend.reconnecting')).toEqual([]);
    device.control({ type: 'input_text', text: 'Move on.' });
    await device.waitFor('state.changed', (e) => e.to === '2_done');
  });

  it('ends with backend_lost when the backend cannot be reached again', async () => {
    await call();
    await gw.tap.close();
    const ended = await device.waitFor('session.ended', () => true, 30_000);
    expect(ended.reason).toBe('backend_lost');
    await waitUntil(() => gw.app.sessions.size === 0);
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/voice_gateway_backend_reconnects_total\{reason="dropped",outcome="lost"\} 1/);
  }, 40_000);
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
