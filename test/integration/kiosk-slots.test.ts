import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

// A model that tries to leave the first-name state without the name: the move is refused with a
// reason it can act on, the conversation stays, and the retry with the value goes through.
const script: ConversationScript = {
  name: 'slots',
  turns: [
    { responses: [[{ say: 'Hello.' }]] },
    { user: 'My name is Jane.', responses: [
      [{ call: 'change_state', arguments: { next_step: '2_get_first_name' } }],
      [{ call: 'change_state', arguments: { next_step: '3_get_last_name' } }],
      [{ call: 'change_state', arguments: { next_step: '3_get_last_name', values: { first_name: 42 } } }],
      [{ call: 'change_state', arguments: { next_step: '3_get_last_name', values: { first_name: 'Jane' } } }],
      [{ say: 'Thank you, Jane.' }],
    ] },
  ],
};

describe('conversation data on the kiosk: a move without the values its state collects', () => {
  let gw: TestGateway;

  /** The gateway's log lines at info and above (the emulator's, keyed by sessionId, are left out). */
  const lines: string[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    gw = await startTestGateway({ script, logger });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is refused naming the missing value, a wrong value is refused naming its type, and the move with it goes through', async () => {
    const device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    device.control({ type: 'input_text', text: 'My name is Jane.' });
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');

    const results = device.events.filter((e) => e.type === 'tool.result' && e.name === 'change_state');
    expect(results.map((e) => e.type === 'tool.result' && [e.error, JSON.parse(e.output)])).toEqual([
      [false, { ok: true, state: '2_get_first_name' }],
      [true, { ok: false, error: 'first_name is required before 3_get_last_name: ask the caller, confirm, and pass it in "values"' }],
      [true, { ok: false, error: 'values: first_name: expected a string, found number 42' }],
      [false, { ok: true, state: '3_get_last_name' }],
    ]);
    const moves = device.events.filter((e) => e.type === 'state.changed').map((e) => e.type === 'state.changed' && [e.to, e.slots]);
    expect(moves).toEqual([['2_get_first_name', {}], ['3_get_last_name', { first_name: 'Jane' }]]);
    // The values are personal data: none reaches the gateway's log at info level, refused or not.
    const gatewayLines = lines.filter((line) => !line.includes('"sessionId"'));
    expect(gatewayLines.some((line) => line.includes('transition refused'))).toBe(true);
    expect(gatewayLines.filter((line) => line.includes('Jane') || line.includes('number 42'))).toEqual([]);
    device.close();
  });
});
