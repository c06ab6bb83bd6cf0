import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { authenticateUser } from '../../../agents/tools/authenticate-user.ts';
import { runTool } from '../../../src/tools/run-tool.ts';

const ctx = { sessionId: 's', logger: pino({ level: 'silent' }), signal: new AbortController().signal };

async function authenticate(args: unknown): Promise<Record<string, unknown>> {
  const outcome = await runTool(authenticateUser, JSON.stringify(args), ctx, { defaultTimeoutMs: 10_000 });
  return JSON.parse(outcome.output) as Record<string, unknown>;
}

describe('authenticateUser', () => {
  it('verifies Jane Doe', async () => {
    expect(await authenticate({ first_name: 'Jane', last_name: 'Doe' })).toMatchObject({
      verified: true,
      member_id: 'M-1001',
      first_name: 'Jane',
      last_name: 'Doe',
    });
  });

  it('matches names however the caller spelled them', async () => {
    expect(await authenticate({ first_name: 'J-A-N-E', last_name: ' doe ' })).toMatchObject({ verified: true, member_id: 'M-1001' });
    expect(await authenticate({ first_name: 'maría', last_name: 'ONEILL' })).toMatchObject({ verified: true, member_id: 'M-1003' });
  });

  it('rejects names that are not in the directory, or not together', async () => {
    expect(await authenticate({ first_name: 'Jane', last_name: 'Smith' })).toEqual({ verified: false, reason: 'No member record matches that name.' });
    expect(await authenticate({ first_name: 'John', last_name: 'Doe' })).toMatchObject({ verified: false });
    expect(await authenticate({ first_name: 'Janet', last_name: 'Doe' })).toMatchObject({ verified: false });
  });

  it('refuses arguments outside its schema', async () => {
    expect(await authenticate({ first_name: 'Jane' })).toMatchObject({ error: { code: 'VG_ERR_TOOL_ARGUMENTS' } });
    expect(await authenticate({ first_name: '', last_name: 'Doe' })).toMatchObject({ error: { code: 'VG_ERR_TOOL_ARGUMENTS' } });
  });
});
