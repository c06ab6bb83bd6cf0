import { Ajv, type ValidateFunction } from 'ajv';
import { VgError } from '../errors.ts';
import type { ToolContext, ToolDefinition, ToolParameters, ToolSpec } from './tool.ts';

export interface ToolConfig<A> {
  name: string;
  description: string;
  parameters: ToolParameters;
  timeoutMs?: number;
  handler: (args: A, ctx: ToolContext) => Promise<unknown>;
}

/** The Realtime API's limit on function names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

// `format` is advisory to the model here: ajv-formats is not installed, so formats are not checked.
const ajv = new Ajv({ allErrors: true, verbose: true, validateFormats: false });

/** Checks a tool once at startup and compiles its argument schema, so calls never recompile it. */
export function defineTool<A>(config: ToolConfig<A>): ToolDefinition<A> {
  const problems: string[] = [];
  if (!TOOL_NAME.test(config.name)) problems.push(`name ${JSON.stringify(config.name)} must match ${TOOL_NAME}`);
  if (config.description.trim() === '') problems.push('description must not be empty');
  if (config.timeoutMs !== undefined && !(Number.isInteger(config.timeoutMs) && config.timeoutMs > 0)) {
    problems.push(`timeoutMs must be a positive integer, got ${config.timeoutMs}`);
  }
  let validateArguments: ValidateFunction<A> | undefined;
  try {
    validateArguments = ajv.compile<A>(config.parameters);
  } catch (error) {
    problems.push(`parameters are not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (problems.length > 0 || validateArguments === undefined) {
    throw new VgError('VG_ERR_TOOL_INVALID', `${config.name}: ${problems.join('; ')}`);
  }
  return Object.freeze({
    name: config.name,
    description: config.description,
    parameters: config.parameters,
    timeoutMs: config.timeoutMs,
    validateArguments,
    handler: config.handler,
  });
}

/** The declaration the model receives in `session.update`. */
export function toolSpec(tool: ToolDefinition): ToolSpec {
  return { type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters };
}
