import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { planOutputs, UNAVAILABLE_TOOL_REPLY } from '../../../src/emulator/response/plan.ts';
import type { Tool } from '../../../src/emulator/protocol/session-config.ts';

const logger = pino({ level: 'silent' });
const tools: Tool[] = [{ type: 'function', name: 'get_weather' }, { type: 'function', name: 'book' }];
const steps = [{ say: 'One.' }, { say: 'Two.' }, { call: 'get_weather', arguments: { city: 'Oslo' } }];

describe('planOutputs', () => {
  it('makes consecutive says one message and a declared call a function call', () => {
    expect(planOutputs(steps, tools, 'auto', logger)).toEqual([
      { kind: 'message', text: 'One. Two.' },
      { kind: 'call', name: 'get_weather', arguments: '{"city":"Oslo"}' },
    ]);
  });

  it('never calls a tool the model was not given or may not use', () => {
    const fallback = [{ kind: 'message', text: `One. Two. ${UNAVAILABLE_TOOL_REPLY}` }];
    expect(planOutputs(steps, [], 'auto', logger)).toEqual(fallback);
    expect(planOutputs(steps, tools, 'none', logger)).toEqual(fallback);
    expect(planOutputs(steps, tools, { type: 'function', name: 'book' }, logger)).toEqual(fallback);
    expect(planOutputs(steps, tools, { type: 'function', name: 'get_weather' }, logger)).toHaveLength(2);
  });
});
