import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { defineAgent } from '../../src/engine/agent.ts';
import { defineTool } from '../../src/tools/define-tool.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

let stallAborted = false;

const lookup = defineTool<{ city: string }>({
  name: 'lookup',
  description: 'Looks a city up.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  handler: async ({ city }) => ({ city, population: city.length * 1000 }),
});
/** What an accidental exception may carry: a path and a credential, for the log and nobody else. */
const INTERNALS = { path: '/srv/gateway/config/db.json', key: 'sk-test-51Hx9fakeKEY' };
const explode = defineTool({
  name: 'explode',
  description: 'Always fails.',
  parameters: { type: 'object', properties: {} },
  handler: async () => { throw new Error(`database unreachable: read ${INTERNALS.path} with key ${INTERNALS.key}`); },
});
const stall = defineTool({
  name: 'stall',
  description: 'Never answers.',
  parameters: { type: 'object', properties: {} },
  timeoutMs: 200,
  handler: (_args, ctx) => new Promise(() => { ctx.signal.addEventListener('abort', () => { stallAborted = true; }); }),
});

const tester = defineAgent({
  name: 'tester',
  voice: 'ash',
  sections: { roleAndObjective: 'Test tools.' },
  statesFile: 'tester.json',
  tools: [lookup, explode, stall],
  handoffs: [],
});

const script: ConversationScript = {
  name: 'tools',
  turns: [
    { responses: [[{ say: 'Hello.' }]] },
    { user: 'Skip ahead.', responses: [
      [{ call: 'change_state', arguments: { next_step: '3_nowhere' } }],
      [{ say: 'I cannot skip ahead.' }],
    ] },
    { user: 'Break things.', responses: [
      [{ call: 'explode', arguments: {} }],
      [{ call: 'stall', arguments: {} }],
      [{ call: 'lookup', arguments: { town: 'Oslo' } }],
      [{ call: 'lookup', arguments: { city: 'Oslo' } }],
      [{ say: 'Oslo has four thousand people, apparently.' }],
    ] },
  ],
};

describe('kiosk edge: transitions and tools that go wrong', () => {
  let gw: TestGateway;
  let device: KioskClient;

  beforeAll(async () => {
    gw = await startTestGateway({
      script, agents: [tester], statesDir: fileURLToPath(new URL('../fixtures/states/', import.meta.url)),
    });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
  });

  it('refuses a transition the state does not allow, with the reason, and does not move', async () => {
    const updatesBefore = gw.tap.clientEvents('session.update').length;
    device.control({ type: 'input_text', text: 'Skip ahead.' });
    const result = await device.waitFor('tool.result', (e) => e.name === 'change_state');
    expect(result.error).toBe(true);
    expect(JSON.parse(result.output)).toEqual({
      ok: false,
      error: "'3_nowhere' is neither a state of this conversation nor an agent to hand off to; allowed from '1_start': 2_done",
    });
    // The model got the refusal as the call's output, and answered.
    const output = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type: string }).type === 'function_call_output');
    expect((output.event.item as { output: string }).output).toBe(result.output);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'I cannot skip ahead.');
    expect(device.events.some((e) => e.type === 'state.changed')).toBe(false);
    expect(gw.tap.clientEvents('session.update')).toHaveLength(updatesBefore);
  });

  it('turns a failing, a hanging and a badly called tool into error results, and goes on', async () => {
    device.control({ type: 'input_text', text: 'Break things.' });
    const failed = await device.waitFor('tool.result', (e) => e.name === 'explode');
    expect(failed.error).toBe(true);
    // The client and the model learn which tool failed, never the exception's internals.
    expect(JSON.parse(failed.output)).toEqual({ error: { code: 'VG_ERR_TOOL_FAILED', message: 'Tool handler failed: explode' } });
    const toModel = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type: string; call_id?: string }).call_id === failed.call_id);
    expect((toModel.event.item as { output: string }).output).toBe(failed.output);

    const hung = await device.waitFor('tool.result', (e) => e.name === 'stall');
    expect(hung.error).toBe(true);
    expect(JSON.parse(hung.output).error.code).toBe('VG_ERR_TOOL_TIMEOUT');
    expect(hung.duration_ms).toBeGreaterThanOrEqual(195);
    expect(stallAborted).toBe(true);

    const badArgs = await device.waitFor('tool.result', (e) => e.name === 'lookup' && e.error);
    expect(JSON.parse(badArgs.output).error).toMatchObject({ code: 'VG_ERR_TOOL_ARGUMENTS' });
    expect(JSON.parse(badArgs.output).error.message).toMatch(/city/);

    const ok = await device.waitFor('tool.result', (e) => e.name === 'lookup' && !e.error);
    expect(JSON.parse(ok.output)).toEqual({ city: 'Oslo', population: 4000 });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /Oslo/.test(e.text));
    expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);
    // Nothing the device or the model received, in the whole exchange, carries the exception's internals.
    for (const internal of Object.values(INTERNALS)) {
      expect(JSON.stringify(device.events)).not.toContain(internal);
      expect(JSON.stringify(gw.tap.clientEvents())).not.toContain(internal);
    }
  });
});
