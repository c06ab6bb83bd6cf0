import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import { VgError } from '../../../src/errors.ts';
import { defineTool, toolSpec } from '../../../src/tools/define-tool.ts';
import { runTool } from '../../../src/tools/run-tool.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';

const parameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } as const;

function thrown(fn: () => unknown): VgError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VgError) return error;
    throw error;
  }
  throw new Error('expected a VgError');
}

describe('defineTool', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['', 'has space', 'x'.repeat(65), 'dot.name'])('refuses the name %j', (name) => {
    const error = thrown(() => defineTool({ name, description: 'd', parameters, handler: async () => null }));
    expect(error.code).toBe('VG_ERR_TOOL_INVALID');
    expect(error.message).toContain('must match');
  });

  it('refuses a schema ajv cannot compile', () => {
    const error = thrown(() =>
      defineTool({ name: 'bad', description: 'd', parameters: { type: 'object', properties: { q: { type: 'strin' } } }, handler: async () => null }),
    );
    expect(error.code).toBe('VG_ERR_TOOL_INVALID');
    expect(error.message).toContain('bad: parameters are not a valid JSON Schema');
  });

  it('refuses a timeout that is not a positive integer', () => {
    const error = thrown(() => defineTool({ name: 't', description: 'd', parameters, timeoutMs: 0, handler: async () => null }));
    expect(error.message).toContain('timeoutMs must be a positive integer');
  });

  it('compiles the argument schema once per tool, not per call', async () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const tool = defineTool<{ q: string }>({ name: 'search', description: 'd', parameters, handler: async ({ q }) => q });
    expect(compile).toHaveBeenCalledTimes(1);
    const ctx = { sessionId: 's', logger: pino({ level: 'silent' }), signal: new AbortController().signal, slots: new ConversationData(new Map()).access() };
    for (const q of ['a', 'b', 'c']) await runTool(tool, JSON.stringify({ q }), ctx, { defaultTimeoutMs: 1_000 });
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it('declares the tool as a Realtime function', () => {
    const tool = defineTool({ name: 'search', description: 'Find things.', parameters, handler: async () => null });
    expect(toolSpec(tool)).toEqual({ type: 'function', name: 'search', description: 'Find things.', parameters });
  });
});
