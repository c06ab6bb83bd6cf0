import { describe, expect, it } from 'vitest';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';

const { slots: catalog } = createAgentRuntime(loadAgentSet(agents, statesDir, startAgent));

describe('ConversationData', () => {
  it('lets a tool set a declared value its schema accepts, and refuses anything else in words', () => {
    const data = new ConversationData(catalog);
    const slots = data.access();
    slots.set('member_id', 'M-1001');
    expect(slots.get('member_id')).toBe('M-1001');
    expect(() => slots.set('member_id', 'nope')).toThrow('member_id: expected a string matching /^M-[0-9]+$/');
    expect(() => slots.set('age', 3)).toThrow('"age" is not a value this conversation collects');
    expect(data.values).toEqual({ member_id: 'M-1001' });
  });

  it('refuses a set from a handler whose call is over (it timed out, or was answered)', () => {
    const data = new ConversationData(catalog);
    const over = new AbortController();
    const slots = data.access(over.signal);
    slots.set('member_id', 'M-1001');
    over.abort();
    expect(() => slots.set('member_id', 'M-1002')).toThrow('cannot set conversation value "member_id": the tool call is over');
    expect(data.values).toEqual({ member_id: 'M-1001' });
  });

  it('reverts only the values a refused move merged, not one a tool has set since', () => {
    const data = new ConversationData(catalog);
    data.merge({ first_name: 'Jane' });
    const before = data.values;
    data.merge({ last_name: 'Doe', first_name: 'Janet' });
    data.access().set('member_id', 'M-1001');
    data.merge({ last_name: 'Smith' }); // changed again since the move: kept
    expect(data.revert({ last_name: 'Doe', first_name: 'Janet' }, before)).toBe(true);
    expect(data.values).toEqual({ first_name: 'Jane', last_name: 'Smith', member_id: 'M-1001' });
    expect(data.revert({ nickname: 'J' }, before)).toBe(false);
  });
});
