import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { VgError } from '../../../src/errors.ts';
import { defineTool } from '../../../src/tools/define-tool.ts';
import { runTool } from '../../../src/tools/run-tool.ts';
import type { ToolContext } from '../../../src/tools/tool.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function context(level: 'info' | 'debug' = 'info'): { ctx: ToolContext; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { ctx: { sessionId: 's-1', logger, signal: new AbortController().signal, slots: new ConversationData(new Map()).access() }, lines };
}

const opts = { defaultTimeoutMs: 10_000 };

type NameArgs = { first_name: string; last_name: string };

function nameTool(handler: (args: NameArgs, ctx: ToolContext) => Promise<unknown>, timeoutMs?: number) {
  return defineTool<NameArgs>({
    name: 'lookup',
    description: 'Look a person up.',
    parameters: {
      type: 'object',
      properties: { first_name: { type: 'string', minLength: 1 }, last_name: { type: 'string', minLength: 1 } },
      required: ['first_name', 'last_name'],
      additionalProperties: false,
    },
    timeoutMs,
    handler,
  });
}

function errorOf(output: string): { code: string; message: string } {
  return (JSON.parse(output) as { error: { code: string; message: string } }).error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runTool', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns the result as JSON with the duration', async () => {
    const tool = nameTool(async ({ first_name }) => {
      await sleep(20);
      return { greeting: `hello ${first_name}` };
    });
    const outcome = await runTool(tool, '{"first_name":"Jane","last_name":"Doe"}', context().ctx, opts);
    expect(outcome.ok).toBe(true);
    expect(JSON.parse(outcome.output)).toEqual({ greeting: 'hello Jane' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(15);
    expect(outcome.errorCode).toBeUndefined();
  });

  it('refuses arguments that are not JSON without running the handler', async () => {
    const handler = vi.fn(async () => 'ran');
    const outcome = await runTool(nameTool(handler), '{"first_name": "Jane",', context().ctx, opts);
    expect(outcome.ok).toBe(false);
    expect(outcome.errorCode).toBe('VG_ERR_TOOL_ARGUMENTS');
    expect(errorOf(outcome.output).code).toBe('VG_ERR_TOOL_ARGUMENTS');
    expect(errorOf(outcome.output).message).toContain('lookup: arguments are not valid JSON');
    expect(handler).not.toHaveBeenCalled();
  });

  it('names every schema mismatch without running the handler', async () => {
    const handler = vi.fn(async () => 'ran');
    const outcome = await runTool(nameTool(handler), '{"first_name":7,"age":40}', context().ctx, opts);
    expect(outcome.errorCode).toBe('VG_ERR_TOOL_ARGUMENTS');
    const { message } = errorOf(outcome.output);
    expect(message).toContain('/first_name: expected a string, found number 7');
    expect(message).toContain('/last_name: expected property "last_name", found nothing');
    expect(message).toContain('/age: expected no property "age" (allowed: first_name, last_name)');
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a handler error into a safe outcome naming the tool, and logs the error at warn without the arguments', async () => {
    const failure = new Error('ENOENT: open /srv/app/secrets/users.db (key sk-live-4f9a2b)');
    const { ctx, lines } = context('info');
    const outcome = await runTool(nameTool(async () => { throw failure; }), '{"first_name":"Jane","last_name":"Doe"}', ctx, opts);
    expect(outcome).toMatchObject({ ok: false, errorCode: 'VG_ERR_TOOL_FAILED' });
    expect(errorOf(outcome.output)).toEqual({ code: 'VG_ERR_TOOL_FAILED', message: 'Tool handler failed: lookup' });
    for (const internal of ['/srv/app', 'sk-live-4f9a2b', 'ENOENT', 'at ']) expect(outcome.output).not.toContain(internal);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, tool: 'lookup', ok: false, error_code: 'VG_ERR_TOOL_FAILED', err: { message: failure.message } });
    expect(String((lines[0]?.err as { stack?: string }).stack)).toContain('run-tool.test.ts');
    expect(JSON.stringify(lines)).not.toContain('Jane');
  });

  it('keeps a thrown non-Error out of the outcome too', async () => {
    const { ctx, lines } = context('info');
    const outcome = await runTool(nameTool(async () => { throw 'password=hunter2'; }), '{"first_name":"a","last_name":"b"}', ctx, opts);
    expect(errorOf(outcome.output).message).toBe('Tool handler failed: lookup');
    expect(lines[0]).toMatchObject({ err: 'password=hunter2' });
  });

  it('catches a handler that throws synchronously and keeps a VgError code', async () => {
    const tool = defineTool<Record<string, never>>({
      name: 'strict',
      description: 'Throws a coded error.',
      parameters: { type: 'object', properties: {} },
      handler: () => {
        throw new VgError('VG_ERR_TOOL_ARGUMENTS', 'that date is in the past');
      },
    });
    const outcome = await runTool(tool, '{}', context().ctx, opts);
    expect(outcome.errorCode).toBe('VG_ERR_TOOL_ARGUMENTS');
    expect(errorOf(outcome.output).message).toContain('that date is in the past');
  });

  it('times a hanging handler out, aborts its signal and ignores its late rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let seen: AbortSignal | undefined;
      const tool = nameTool(
        (_args, ctx) =>
          new Promise((_resolve, reject) => {
            seen = ctx.signal;
            setTimeout(() => reject(new Error('too late')), 120);
          }),
        50,
      );
      const outcome = await runTool(tool, '{"first_name":"a","last_name":"b"}', context().ctx, opts);
      expect(outcome).toMatchObject({ ok: false, errorCode: 'VG_ERR_TOOL_TIMEOUT' });
      expect(errorOf(outcome.output).message).toContain('lookup did not finish within 50 ms');
      expect(outcome.durationMs).toBeGreaterThanOrEqual(45);
      expect(outcome.durationMs).toBeLessThan(1_000);
      expect(seen?.aborted).toBe(true);
      await sleep(150);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('uses the default timeout for a tool without its own', async () => {
    const tool = nameTool(() => new Promise(() => undefined));
    const outcome = await runTool(tool, '{"first_name":"a","last_name":"b"}', context().ctx, { defaultTimeoutMs: 30 });
    expect(outcome.errorCode).toBe('VG_ERR_TOOL_TIMEOUT');
    expect(errorOf(outcome.output).message).toContain('within 30 ms');
  });

  it('reports a result that cannot become JSON, the serialiser\'s words in the log only', async () => {
    const { ctx, lines } = context('info');
    const outcome = await runTool(nameTool(async () => ({ big: 1n })), '{"first_name":"a","last_name":"b"}', ctx, opts);
    expect(outcome.errorCode).toBe('VG_ERR_TOOL_FAILED');
    expect(errorOf(outcome.output).message).toBe('Tool handler failed: lookup: result is not JSON-serialisable');
    expect((lines[0]?.err as { message: string }).message).toMatch(/BigInt/);
  });

  it('sends null for a handler that returns nothing', async () => {
    const outcome = await runTool(nameTool(async () => undefined), '{"first_name":"a","last_name":"b"}', context().ctx, opts);
    expect(outcome).toMatchObject({ ok: true, output: 'null' });
  });

  it('logs one line per call without argument values at info level', async () => {
    const { ctx, lines } = context('info');
    await runTool(nameTool(async () => 'ok'), '{"first_name":"Jane","last_name":"Doe"}', ctx, opts);
    await runTool(nameTool(async () => 'ok'), '{"first_name":5}', ctx, opts);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ tool: 'lookup', ok: true, msg: 'tool call' });
    expect(typeof lines[0]?.duration_ms).toBe('number');
    expect(lines[1]).toMatchObject({ tool: 'lookup', ok: false, error_code: 'VG_ERR_TOOL_ARGUMENTS' });
    expect(JSON.stringify(lines)).not.toContain('Jane');
  });

  it('logs the arguments at debug level', async () => {
    const { ctx, lines } = context('debug');
    await runTool(nameTool(async () => 'ok'), '{"first_name":"Jane","last_name":"Doe"}', ctx, opts);
    const debug = lines.filter((line) => line.level === 20);
    expect(JSON.stringify(debug)).toContain('Jane');
    expect(lines.filter((line) => line.level >= 30)).toHaveLength(1);
  });
});
