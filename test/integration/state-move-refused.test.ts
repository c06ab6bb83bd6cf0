import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { defineAgent } from '../../src/engine/agent.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';

// A state move is a session.update; the gateway's state moves only once the backend has taken
// it. A backend that refuses it (or never answers) leaves the conversation where it was, and the
// model, the client and the backend all agree on that.

const mover = defineAgent({
  name: 'mover',
  voice: 'ash',
  sections: { roleAndObjective: 'Move between states.' },
  statesFile: 'tester.json',
  tools: [],
  handoffs: [],
});

const script: ConversationScript = {
  name: 'moves',
  turns: [
    { responses: [[{ say: 'Hello.' }]] },
    { user: 'Move on.', responses: [[{ call: 'change_state', arguments: { next_step: '2_done' } }], [{ say: 'Staying put.' }]] },
  ],
};

const isMoveTo2 = (event: TappedEvent['event']) => event.type === 'session.update' && JSON.stringify(event).includes('Current state: 2_done');

describe('a state move the backend does not take', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  async function moveRefused(reply?: (event: TappedEvent['event']) => object): Promise<void> {
    gw = await startTestGateway({
      script, agents: [mover], statesDir: fileURLToPath(new URL('../fixtures/states/', import.meta.url)), config: { backendTimeoutMs: 1_000 },
    });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    gw.tap.swallow(isMoveTo2, reply);
    device.control({ type: 'input_text', text: 'Move on.' });

    const result = await device.waitFor('tool.result', (e) => e.name === 'change_state');
    expect(result.error).toBe(true);
    expect(JSON.parse(result.output)).toEqual({ ok: false, error: expect.stringContaining('still in 1_start') });
    const error = await device.waitFor('error', (e) => e.code === 'VG_ERR_TRANSITION_FAILED');
    expect(error.message).toContain('2_done');
    expect(device.events.filter((e) => e.type === 'state.changed')).toEqual([]);
    // The backend is told the state it has, so the SDK's agent and the backend's agree again...
    await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'session.update'
      && JSON.stringify(e.event).includes('Current state: 1_start') && gw.tap.events.indexOf(e) > gw.tap.events.findIndex((x) => isMoveTo2(x.event)));
    // ...and the model hears that the move failed, in the same call, which goes on.
    const output = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type?: string }).type === 'function_call_output');
    expect(JSON.stringify(output.event)).toContain('could not be applied');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Staying put.');
  }

  it('refused with an error: the state stays, the model and the client are told', async () => {
    await moveRefused(() => ({
      type: 'error', event_id: 'event_refused',
      error: { type: 'invalid_request_error', code: 'invalid_value', message: 'Invalid value.', param: 'session.instructions', event_id: null },
    }));
  });

  it('never answered: after the backend timeout, the same', async () => {
    await moveRefused();
  });
});
