import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { authenticateUser } from '../../../agents/tools/authenticate-user.ts';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { runTool } from '../../../src/tools/run-tool.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';

const { slots: catalog } = createAgentRuntime(loadAgentSet(agents, statesDir, startAgent));

async function authenticate(args: unknown, known: Record<string, unknown> = {}): Promise<{ result: Record<string, unknown>; data: ConversationData }> {
  const data = new ConversationData(catalog);
  data.merge(known);
  const ctx = { sessionId: 's', logger: pino({ level: 'silent' }), signal: new AbortController().signal, slots: data.access() };
  const outcome = await runTool(authenticateUser, JSON.stringify(args), ctx, { defaultTimeoutMs: 10_000 });
  return { result: JSON.parse(outcome.output) as Record<string, unknown>, data };
}

describe('authenticateUser', () => {
  it('verifies Jane Doe, and records her member id in the conversation', async () => {
    const { result, data } = await authenticate({ first_name: 'Jane', last_name: 'Doe' });
    expect(result).toMatchObject({ verified: true, member_id: 'M-1001', first_name: 'Jane', last_name: 'Doe' });
    expect(data.values).toEqual({ member_id: 'M-1001' });
  });

  it('uses the names the conversation collected over the ones the model passed', async () => {
    const { result, data } = await authenticate({ first_name: 'John', last_name: 'Smith' }, { first_name: 'Jane', last_name: 'Doe' });
    expect(result).toMatchObject({ verified: true, member_id: 'M-1001' });
    expect(data.values).toEqual({ first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' });
    expect((await authenticate({}, { first_name: 'Jane', last_name: 'Doe' })).result).toMatchObject({ verified: true });
  });

  it('matches names however the caller spelled them', async () => {
    expect((await authenticate({ first_name: 'J-A-N-E', last_name: ' doe ' })).result).toMatchObject({ verified: true, member_id: 'M-1001' });
    expect((await authenticate({ first_name: 'maría', last_name: 'ONEILL' })).result).toMatchObject({ verified: true, member_id: 'M-1003' });
  });

  it('rejects names that are not in the directory, or not together, and records nothing', async () => {
    const { result, data } = await authenticate({ first_name: 'Jane', last_name: 'Smith' });
    expect(result).toEqual({ verified: false, reason: 'No member record matches that name.' });
    expect(data.values).toEqual({});
    expect((await authenticate({ first_name: 'John', last_name: 'Doe' })).result).toMatchObject({ verified: false });
  });

  it('fails without a name it can use, and refuses arguments outside its schema', async () => {
    // Said to the model in words it can act on.
    expect((await authenticate({ first_name: 'Jane' })).result).toEqual({ error: {
      code: 'VG_ERR_TOOL_FAILED', message: "Tool handler failed: the caller's last name is not known yet: collect and confirm it first",
    } });
    expect((await authenticate({ first_name: '', last_name: 'Doe' })).result).toMatchObject({ error: { code: 'VG_ERR_TOOL_ARGUMENTS' } });
  });
});
