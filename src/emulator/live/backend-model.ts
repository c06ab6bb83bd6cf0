import type { Logger } from 'pino';
import type { FunctionTool, ServerEvent } from 'openai/resources/live/live';
import type { ResponseFunctionToolCall, ResponseOutputMessage } from 'openai/resources/responses/responses';
import type { ResponseSteps } from '../responder/responder.ts';
import { newCallId, newDelegationId, newItemId, newResponseId } from './ids.ts';

// The delegation backend of Responses mode (LIVE_PROTOCOL.md §3.3b, §4), played by the emulator:
// the voice model hands a task over (`session.delegation.created`), and the responder's steps for
// that response become a backend response streamed as nested `response.event`s: a `say` is
// output text (which the voice model then speaks), a `call` a function call the client must run
// and answer with `response.item.create{function_call_output}` + `response.create`, after which
// the responder's next response continues the same delegation. Lifecycle snapshots are stripped
// (no input, instructions, tools or output in `response.created`/`completed`), as on the service.

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Send = (event: DistributiveOmit<ServerEvent, 'event_id'>) => void;

export interface BackendModelDeps {
  send: Send;
  /** The backend's model and function tools, as the session's delegation now says. */
  config: () => { model: string; tools: readonly FunctionTool[] };
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

interface Delegation {
  readonly id: string;
  /** Function calls of the last response still waiting for their output. */
  readonly awaiting: Set<string>;
  /** The last response has completed: a `response.create` may continue the delegation. */
  completed: boolean;
}

export class BackendModel {
  readonly #deps: BackendModelDeps;
  #current: Delegation | undefined;

  constructor(deps: BackendModelDeps) {
    this.#deps = deps;
  }

  /** Whether a delegation waits for tool outputs or is mid-response. */
  get busy(): boolean {
    const current = this.#current;
    return current !== undefined && (!current.completed || current.awaiting.size > 0);
  }

  /** The voice model hands the rest of its turn to the backend. */
  delegate(steps: ResponseSteps): void {
    const delegation: Delegation = { id: newDelegationId(), awaiting: new Set(), completed: false };
    this.#current = delegation;
    const responseId = newResponseId();
    this.#deps.send({
      type: 'session.delegation.created',
      delegation: { id: delegation.id, type: 'delegation', target: 'responses', response_id: responseId },
      offset_ms: Math.round(this.#deps.now()),
    });
    this.#respond(delegation, responseId, steps);
  }

  /** A `function_call_output` for a call of the current delegation; false when no call waits for it. */
  output(callId: string): boolean {
    return this.#current?.awaiting.delete(callId) ?? false;
  }

  /**
   * `response.create`: continues the delegation that waited on tool output, or (none waiting)
   * starts a fresh backend response. Outputs still missing are the client's loss: the backend
   * goes on with what it has, as a model would.
   */
  create(): void {
    const current = this.#current;
    if (current?.completed) {
      if (current.awaiting.size > 0) this.#deps.logger.debug({ missing: current.awaiting.size }, 'response.create before every tool output');
      current.awaiting.clear();
      current.completed = false;
      this.#respond(current, newResponseId(), this.#deps.nextSteps());
      return;
    }
    if (current && !current.completed) {
      this.#deps.logger.debug('response.create while a backend response is streaming; ignored');
      return;
    }
    this.delegate(this.#deps.nextSteps());
  }

  #respond(delegation: Delegation, responseId: string, steps: ResponseSteps): void {
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
    for (const step of steps) {
      if ('say' in step) {
        const id = newItemId();
        const done: ResponseOutputMessage = {
          id, type: 'message', role: 'assistant', status: 'completed',
          content: [{ type: 'output_text', text: step.say, annotations: [] }],
        };
        nested({ type: 'response.output_item.added', output_index: outputIndex, item: { ...done, status: 'in_progress', content: [] } });
        nested({ type: 'response.output_text.delta', item_id: id, output_index: outputIndex, content_index: 0, delta: step.say, logprobs: [] });
        nested({ type: 'response.output_text.done', item_id: id, output_index: outputIndex, content_index: 0, text: step.say, logprobs: [] });
        nested({ type: 'response.output_item.done', output_index: outputIndex, item: done });
        spoken.push(step.say);
        outputTokens += Math.ceil(step.say.length / 4);
      } else {
        if (!tools.some((t) => t.name === step.call)) {
          // A model calls only the tools it was given: the script's step is skipped, not faked.
          logger.warn({ tool: step.call }, 'scripted call of a tool the delegation backend does not have; skipped');
          continue;
        }
        const callId = newCallId();
        const args = JSON.stringify(step.arguments);
        const call: ResponseFunctionToolCall = { id: newItemId(), type: 'function_call', call_id: callId, name: step.call, arguments: args, status: 'completed' };
        nested({ type: 'response.output_item.added', output_index: outputIndex, item: { ...call, arguments: '', status: 'in_progress' } });
        nested({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: outputIndex, delta: args });
        nested({ type: 'response.function_call_arguments.done', item_id: call.id, output_index: outputIndex, name: step.call, arguments: args });
        nested({ type: 'response.output_item.done', output_index: outputIndex, item: call });
        delegation.awaiting.add(callId);
        this.#deps.called(callId, step.call, args);
        outputTokens += Math.ceil(args.length / 4) + 8;
      }
      outputIndex++;
    }
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
}
