import type { Logger } from 'pino';
import type { FunctionTool, ServerEvent } from 'openai/resources/live/live';
import type { McpToolCallError, ResponseFunctionToolCall, ResponseOutputItem, ResponseOutputMessage } from 'openai/resources/responses/responses';
import type { McpToolMatch } from '../mcp/session-mcp.ts';
import { fillMcpResultWith, type McpResultSource } from '../mcp/result-text.ts';
import type { CallOutcome } from '../mcp/server-link.ts';
import type { McpCallError } from '../protocol/items.ts';
import type { ResponseSteps } from '../responder/responder.ts';
import type { ScriptStep } from '../responder/script.ts';
import { newCallId, newDelegationId, newItemId, newResponseId } from './ids.ts';

// The delegation backend of Responses mode (LIVE_PROTOCOL.md §3.3b, §4), played by the emulator:
// the voice model hands a task over (`session.delegation.created`), and the responder's steps for
// that response become a backend response streamed as nested `response.event`s: a `say` is
// output text (which the voice model then speaks), a `call` a function call the client must run
// and answer with `response.item.create{function_call_output}` + `response.create`, after which
// the responder's next response continues the same delegation. A `call` of a remote MCP tool
// (a listed, allowed tool of a server in the backend's tools) is hosted: the backend calls the
// server itself, inside the response, and goes on; one that needs approval ends the response
// with an `mcp_approval_request`, and the client's `mcp_approval_response` + `response.create`
// continue it. Lifecycle snapshots are stripped (no input, instructions, tools or output in
// `response.created`/`completed`), as on the service.

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Send = (event: DistributiveOmit<ServerEvent, 'event_id'>) => void;
type CallStep = Extract<ScriptStep, { call: string }>;

/** The backend's remote MCP servers (SessionMcp, with the backend's tools). */
export interface BackendMcp {
  /** The MCP tool `name` as the backend may call it now, if it is one. */
  find(name: string): McpToolMatch | undefined;
  call(serverLabel: string, name: string, rawArguments: string, signal: AbortSignal): Promise<CallOutcome>;
}

export interface BackendModelDeps {
  send: Send;
  /** The backend's model and function tools, as the session's delegation now says. */
  config: () => { model: string; tools: readonly FunctionTool[] };
  mcp: BackendMcp;
  /** The responder's next response. */
  nextSteps: () => ResponseSteps;
  /** A function call the backend made (the conversation the responder reads). */
  called: (callId: string, name: string, args: string) => void;
  /** The voice model speaks the backend's text in its own words (verbatim, here). */
  speak: (text: string) => void;
  /** Milliseconds since the session started. */
  now: () => number;
  logger: Logger;
}

/** An approval request of a delegation, and what the response had still to do after it. */
interface PendingApproval {
  request: ResponseOutputItem.McpApprovalRequest;
  rest: ResponseSteps;
  /** Set by the client's `mcp_approval_response`. */
  approve?: boolean;
}

interface Delegation {
  readonly id: string;
  /** Function calls and approval requests of the last response still waiting for their answer. */
  readonly awaiting: Set<string>;
  /** Approval requests of the last response, by id. */
  readonly approvals: Map<string, PendingApproval>;
  /** The last response has completed: a `response.create` may continue the delegation. */
  completed: boolean;
}

/** Approval requests one delegation keeps waiting at once (a response asks for one). */
const MAX_APPROVALS = 16;

export class BackendModel {
  readonly #deps: BackendModelDeps;
  #current: Delegation | undefined;
  /** The latest hosted MCP call's outcome, for `{{mcp_result}}`. */
  #lastMcp: McpResultSource | undefined;
  /** Aborted when the session ends: hosted calls stop waiting on their servers. */
  readonly #closed = new AbortController();

  constructor(deps: BackendModelDeps) {
    this.#deps = deps;
  }

  /** Whether a delegation waits for tool outputs or approvals, or is mid-response. */
  get busy(): boolean {
    const current = this.#current;
    return current !== undefined && (!current.completed || current.awaiting.size > 0);
  }

  /** The voice model hands the rest of its turn to the backend. */
  delegate(steps: ResponseSteps): void {
    const delegation: Delegation = { id: newDelegationId(), awaiting: new Set(), approvals: new Map(), completed: false };
    this.#current = delegation;
    const responseId = newResponseId();
    this.#deps.send({
      type: 'session.delegation.created',
      delegation: { id: delegation.id, type: 'delegation', target: 'responses', response_id: responseId },
      offset_ms: Math.round(this.#deps.now()),
    });
    this.#start(delegation, responseId, steps, []);
  }

  /** A `function_call_output` for a call of the current delegation; false when no call waits for it. */
  output(callId: string): boolean {
    const current = this.#current;
    if (!current || current.approvals.has(callId)) return false;
    return current.awaiting.delete(callId);
  }

  /** An `mcp_approval_response` for a request of the current delegation; false when no request waits for it. */
  approvalAnswered(requestId: string, approve: boolean): boolean {
    const pending = this.#current?.approvals.get(requestId);
    if (!pending || pending.approve !== undefined) return false;
    pending.approve = approve;
    this.#current!.awaiting.delete(requestId);
    return true;
  }

  /**
   * `response.create`: continues the delegation that waited on tool output or approvals, or (none
   * waiting) starts a fresh backend response. Outputs still missing are the client's loss: the
   * backend goes on with what it has, as a model would (an unanswered approval is not given).
   */
  create(): void {
    const current = this.#current;
    if (current?.completed) {
      if (current.awaiting.size > 0) this.#deps.logger.debug({ missing: current.awaiting.size }, 'response.create before every tool output');
      const answered = [...current.approvals.values()].filter((pending) => pending.approve !== undefined);
      current.awaiting.clear();
      current.approvals.clear();
      current.completed = false;
      // An approval continues what its response had left to do; with nothing left, the responder's next response.
      const rest = answered.flatMap((pending) => pending.rest);
      this.#start(current, newResponseId(), answered.length > 0 && rest.length > 0 ? rest : this.#deps.nextSteps(), answered);
      return;
    }
    if (current && !current.completed) {
      this.#deps.logger.debug('response.create while a backend response is streaming; ignored');
      return;
    }
    this.delegate(this.#deps.nextSteps());
  }

  /** The session ended: hosted calls in flight are abandoned. */
  close(): void {
    this.#closed.abort();
  }

  /** Streams a response beside the frame loop (a hosted call waits on its server); a fault is logged, not thrown. */
  #start(delegation: Delegation, responseId: string, steps: ResponseSteps, answered: readonly PendingApproval[]): void {
    this.#respond(delegation, responseId, steps, answered).catch((err: unknown) => {
      this.#deps.logger.error({ err }, 'live emulator: a backend response failed');
      // Said so, and over: the delegation is not left busy for good.
      if (this.#closed.signal.aborted) return;
      const failed: Record<string, unknown> = { type: 'response.failed', sequence_number: 0, response: { id: responseId, object: 'response', status: 'failed', error: { code: 'server_error', message: 'The emulator failed this response.' } } };
      this.#deps.send({ type: 'response.event', delegation_id: delegation.id, event: failed });
      delegation.completed = true;
    });
  }

  async #respond(delegation: Delegation, responseId: string, steps: ResponseSteps, answered: readonly PendingApproval[]): Promise<void> {
    const { send, config, logger } = this.#deps;
    const { model, tools } = config();
    let sequence = 0;
    const nested = (event: Record<string, unknown>) => send({
      type: 'response.event', delegation_id: delegation.id, event: { ...event, sequence_number: sequence++ },
    });
    nested({ type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress', model } });
    const spoken: string[] = [];
    let outputIndex = 0;
    let outputTokens = 0;
    for (const pending of answered) {
      const { request } = pending;
      if (pending.approve) {
        await this.#hostedCall(nested, outputIndex++, { serverLabel: request.server_label, needsApproval: false }, request.name, request.arguments, request.id);
      } else {
        this.#lastMcp = { kind: 'denied' };
      }
    }
    for (const [index, step] of steps.entries()) {
      if (this.#closed.signal.aborted) return;
      if ('say' in step) {
        const text = fillMcpResultWith(step.say, () => this.#lastMcp);
        const id = newItemId();
        const done: ResponseOutputMessage = {
          id, type: 'message', role: 'assistant', status: 'completed',
          content: [{ type: 'output_text', text, annotations: [] }],
        };
        nested({ type: 'response.output_item.added', output_index: outputIndex, item: { ...done, status: 'in_progress', content: [] } });
        nested({ type: 'response.output_text.delta', item_id: id, output_index: outputIndex, content_index: 0, delta: text, logprobs: [] });
        nested({ type: 'response.output_text.done', item_id: id, output_index: outputIndex, content_index: 0, text, logprobs: [] });
        nested({ type: 'response.output_item.done', output_index: outputIndex, item: done });
        spoken.push(text);
        outputTokens += Math.ceil(text.length / 4);
        outputIndex++;
        continue;
      }
      const args = JSON.stringify(step.arguments);
      if (tools.some((t) => t.name === step.call)) {
        this.#functionCall(nested, outputIndex++, delegation, step, args);
        outputTokens += Math.ceil(args.length / 4) + 8;
        continue;
      }
      const mcp = this.#deps.mcp.find(step.call);
      if (!mcp) {
        // A model calls only the tools it was given: the script's step is skipped, not faked.
        logger.warn({ tool: step.call }, 'scripted call of a tool the delegation backend does not have; skipped');
        continue;
      }
      outputTokens += Math.ceil(args.length / 4) + 8;
      if (mcp.needsApproval) {
        // The response ends here: the rest waits for the client's answer.
        this.#approvalRequest(nested, outputIndex++, delegation, mcp, step, args, steps.slice(index + 1));
        break;
      }
      await this.#hostedCall(nested, outputIndex++, mcp, step.call, args, undefined);
    }
    if (this.#closed.signal.aborted) return;
    const inputTokens = 200 + tools.length * 60;
    nested({
      type: 'response.completed',
      response: {
        id: responseId, object: 'response', status: 'completed', model,
        usage: {
          input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 },
          output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens,
        },
      },
    });
    delegation.completed = true;
    for (const text of spoken) this.#deps.speak(text);
  }

  #functionCall(nested: (event: Record<string, unknown>) => void, outputIndex: number, delegation: Delegation, step: CallStep, args: string): void {
    const callId = newCallId();
    const call: ResponseFunctionToolCall = { id: newItemId(), type: 'function_call', call_id: callId, name: step.call, arguments: args, status: 'completed' };
    nested({ type: 'response.output_item.added', output_index: outputIndex, item: { ...call, arguments: '', status: 'in_progress' } });
    nested({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: outputIndex, delta: args });
    nested({ type: 'response.function_call_arguments.done', item_id: call.id, output_index: outputIndex, name: step.call, arguments: args });
    nested({ type: 'response.output_item.done', output_index: outputIndex, item: call });
    delegation.awaiting.add(callId);
    this.#deps.called(callId, step.call, args);
  }

  /** A hosted MCP call, in the Responses API's order: the item, its arguments, the call on the server, its end. */
  async #hostedCall(nested: (event: Record<string, unknown>) => void, outputIndex: number, mcp: McpToolMatch, name: string, args: string, approvalRequestId: string | undefined): Promise<void> {
    const id = newItemId();
    const item: ResponseOutputItem.McpCall = {
      id, type: 'mcp_call', server_label: mcp.serverLabel, name, arguments: '', status: 'in_progress',
      ...(approvalRequestId === undefined ? {} : { approval_request_id: approvalRequestId }),
    };
    nested({ type: 'response.output_item.added', output_index: outputIndex, item });
    nested({ type: 'response.mcp_call.in_progress', item_id: id, output_index: outputIndex });
    nested({ type: 'response.mcp_call_arguments.delta', item_id: id, output_index: outputIndex, delta: args });
    nested({ type: 'response.mcp_call_arguments.done', item_id: id, output_index: outputIndex, arguments: args });
    const outcome = await this.#deps.mcp.call(mcp.serverLabel, name, args, this.#closed.signal);
    if (this.#closed.signal.aborted) return;
    this.#lastMcp = outcome.ok ? { kind: 'call', output: outcome.output, error: null } : { kind: 'call', output: null, error: outcome.error };
    nested({ type: outcome.ok ? 'response.mcp_call.completed' : 'response.mcp_call.failed', item_id: id, output_index: outputIndex });
    const done: ResponseOutputItem.McpCall = outcome.ok
      ? { ...item, arguments: args, status: 'completed', output: outcome.output, error: null }
      : { ...item, arguments: args, status: 'failed', output: null, error: responsesError(outcome.error) };
    nested({ type: 'response.output_item.done', output_index: outputIndex, item: done });
  }

  #approvalRequest(nested: (event: Record<string, unknown>) => void, outputIndex: number, delegation: Delegation, mcp: McpToolMatch, step: CallStep, args: string, rest: ResponseSteps): void {
    const request: ResponseOutputItem.McpApprovalRequest = { id: newItemId(), type: 'mcp_approval_request', server_label: mcp.serverLabel, name: step.call, arguments: args };
    nested({ type: 'response.output_item.added', output_index: outputIndex, item: request });
    nested({ type: 'response.output_item.done', output_index: outputIndex, item: request });
    if (delegation.approvals.size >= MAX_APPROVALS) {
      this.#deps.logger.warn({ max: MAX_APPROVALS }, 'too many MCP approval requests waiting in one delegation; the oldest is dropped');
      const oldest = delegation.approvals.keys().next().value as string;
      delegation.approvals.delete(oldest);
      delegation.awaiting.delete(oldest);
    }
    delegation.approvals.set(request.id, { request, rest });
    delegation.awaiting.add(request.id);
  }
}

/** A server link's error in the Responses API's MCP error shapes. */
function responsesError(error: McpCallError): McpToolCallError {
  if (error.type === 'protocol_error') return { type: 'mcp_protocol_error', code: error.code, message: error.message };
  if (error.type === 'http_error') return { type: 'http_error', code: error.code, message: error.message };
  return { type: 'mcp_tool_execution_error', content: [{ type: 'text', text: error.message }] };
}
