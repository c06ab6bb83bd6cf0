import type { Logger } from 'pino';
import type { ValidateFunction } from 'ajv';
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';

/** What a handler gets besides its arguments. */
export interface ToolContext {
  sessionId: string;
  logger: Logger;
  /** Aborted when the call times out (or the caller gives up); handlers should stop their I/O. */
  signal: AbortSignal;
  /** The values the conversation has collected (the states' `collects`); personal data: never log them. */
  slots: SlotAccess;
}

/** A tool's view of the conversation's values. */
export interface SlotAccess {
  get(name: string): unknown;
  /** Sets a value the states declare; throws (failing the tool call) for an unknown name or a value its schema refuses. */
  set(name: string, value: unknown): void;
}

/** A function tool's parameters: a JSON Schema object, sent to the model as is. */
export type ToolParameters = {
  type: 'object';
  properties: Record<string, object>;
  required?: readonly string[];
  additionalProperties?: boolean;
  description?: string;
};

/** A tool as the Realtime protocol declares it in `session.update`. */
export type ToolSpec = Required<RealtimeFunctionTool>;

export interface ToolDefinition<A = unknown> {
  readonly name: string;
  readonly description: string;
  readonly parameters: ToolParameters;
  readonly timeoutMs?: number;
  /** Compiled once by defineTool, so a call only runs it; narrows raw arguments to A. */
  readonly validateArguments: ValidateFunction<A>;
  // Method syntax on purpose: it lets a ToolDefinition<{...}> stand in a ToolDefinition[] list.
  handler(args: A, ctx: ToolContext): Promise<unknown>;
}
