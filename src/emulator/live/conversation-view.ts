import type { FunctionTool } from 'openai/resources/live/live';
import type { Item } from '../protocol/items.ts';
import type { Tool } from '../protocol/session-config.ts';
import type { ResponderInput } from '../responder/session-view.ts';
import { newItemId } from './ids.ts';

/** Items kept for the responder: enough for any state's context, bounded over a long call. */
const MAX_ITEMS = 500;

/**
 * The conversation of a Live session as the responder reads it (the Realtime item shapes it
 * decides from): the caller's turns, what the voice and the delegation backend said, the backend's
 * function calls and their outputs. Live has no conversation items on the wire; this is the
 * emulator's own bookkeeping, so the flow-following responder decides on Live as on Realtime.
 */
export class LiveConversationView {
  readonly #items: Item[] = [];

  callerSaid(text: string): void {
    this.#push({ id: newItemId(), type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', audio: null, transcript: text }] });
  }

  agentSaid(text: string): void {
    this.#push({ id: newItemId(), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', audio: null, transcript: text }] });
  }

  called(callId: string, name: string, args: string): void {
    this.#push({ id: newItemId(), type: 'function_call', status: 'completed', name, call_id: callId, arguments: args });
  }

  answered(callId: string, output: string): void {
    this.#push({ id: newItemId(), type: 'function_call_output', call_id: callId, output });
  }

  /** The responder's input: the delegation backend's instructions and tools (the state lives there) and the items. */
  input(backend: { instructions: string; tools: readonly FunctionTool[] }): ResponderInput {
    const tools: Tool[] = backend.tools.map((t) => ({ type: 'function', name: t.name, description: t.description ?? undefined, parameters: t.parameters ?? undefined }));
    return { instructions: backend.instructions, tools, items: this.#items };
  }

  #push(item: Item): void {
    this.#items.push(item);
    if (this.#items.length > MAX_ITEMS) this.#items.splice(0, this.#items.length - MAX_ITEMS);
  }
}
