import { VgError, type ErrorCode } from '../errors.ts';
import { describeSchemaErrors } from './schema-errors.ts';
import type { ToolContext, ToolDefinition } from './tool.ts';

export interface ToolOutcome {
  ok: boolean;
  /** What goes back to the model: the result as JSON, or {"error":{"code","message"}}. */
  output: string;
  durationMs: number;
  errorCode?: ErrorCode;
}

export interface RunToolOptions {
  /** For tools that set no timeoutMs of their own. */
  defaultTimeoutMs: number;
}

/** `thrown`: what the handler really threw, for the log only (see attemptCall). */
type Attempt = { ok: true; output: string } | { ok: false; error: VgError; thrown?: unknown };

/**
 * Runs one model-requested call: parse, validate, call the handler under a timeout. Never throws;
 * every failure becomes an outcome the model can read and recover from.
 */
export async function runTool<A>(
  tool: ToolDefinition<A>,
  rawArguments: string,
  ctx: ToolContext,
  opts: RunToolOptions,
): Promise<ToolOutcome> {
  const startedMs = performance.now();
  // Arguments may hold personal data (names, account numbers): debug level only.
  ctx.logger.debug({ tool: tool.name, arguments: rawArguments }, 'tool call arguments');
  const attempt = await attemptCall(tool, rawArguments, ctx, tool.timeoutMs ?? opts.defaultTimeoutMs);
  const durationMs = Math.round(performance.now() - startedMs);
  const outcome: ToolOutcome = attempt.ok
    ? { ok: true, output: attempt.output, durationMs }
    : {
        ok: false,
        output: JSON.stringify({ error: { code: attempt.error.code, message: attempt.error.message } }),
        durationMs,
        errorCode: attempt.error.code,
      };
  // The message can quote argument values (schema errors do): debug level only.
  if (!attempt.ok) ctx.logger.debug({ tool: tool.name, error: attempt.error.message }, 'tool call failed');
  ctx.logger[outcome.ok ? 'info' : 'warn'](
    { tool: tool.name, duration_ms: durationMs, ok: outcome.ok, error_code: outcome.errorCode, err: attempt.ok ? undefined : attempt.thrown },
    'tool call',
  );
  return outcome;
}

async function attemptCall<A>(tool: ToolDefinition<A>, rawArguments: string, ctx: ToolContext, timeoutMs: number): Promise<Attempt> {
  let args: unknown;
  try {
    args = JSON.parse(rawArguments);
  } catch (error) {
    return fail('VG_ERR_TOOL_ARGUMENTS', `${tool.name}: arguments are not valid JSON (${messageOf(error)})`);
  }
  if (!tool.validateArguments(args)) {
    const violations = describeSchemaErrors(tool.validateArguments.errors ?? []);
    const detail = violations.map((v) => `${v.path || '(arguments)'}: expected ${v.expected}${v.found ? `, found ${v.found}` : ''}`);
    return fail('VG_ERR_TOOL_ARGUMENTS', `${tool.name}: ${detail.join('; ')}`);
  }
  let result: unknown;
  try {
    result = await callWithTimeout(tool, args, ctx, timeoutMs);
  } catch (error) {
    // A VgError is the handler speaking to the model on purpose (and timeouts are ours): sent as is.
    if (error instanceof VgError) return { ok: false, error };
    // Anything else is an accident whose message may carry internals (paths, SQL, keys): the model
    // and the client learn only which tool failed; the error itself goes to the log.
    return { ok: false, error: new VgError('VG_ERR_TOOL_FAILED', tool.name), thrown: error };
  }
  try {
    return { ok: true, output: JSON.stringify(result ?? null) };
  } catch (error) {
    return { ok: false, error: new VgError('VG_ERR_TOOL_FAILED', `${tool.name}: result is not JSON-serialisable`), thrown: error };
  }
}

async function callWithTimeout<A>(tool: ToolDefinition<A>, args: A, ctx: ToolContext, timeoutMs: number): Promise<unknown> {
  const timeout = new AbortController();
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new VgError('VG_ERR_TOOL_TIMEOUT', `${tool.name} did not finish within ${timeoutMs} ms`);
      // Abort first, so the handler's signal is already aborted when the caller sees the outcome.
      timeout.abort(error);
      reject(error);
    }, timeoutMs);
  });
  // A synchronous throw becomes a rejection; race() subscribes to it, so a late settle is ignored, never unhandled.
  const work = Promise.resolve().then(() => tool.handler(args, { ...ctx, signal }));
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function fail(code: ErrorCode, detail: string): Attempt {
  return { ok: false, error: new VgError(code, detail) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
