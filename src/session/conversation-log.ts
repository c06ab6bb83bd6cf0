import type { ConversationItem, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

/** One turn or tool call of the conversation, as the backend holds it. */
export type LogEntry =
  | { kind: 'user'; itemId: string; text: string }
  /** `text` is what the listener heard: a barge-in or a dropped connection cuts it. */
  | { kind: 'assistant'; itemId: string; text: string; audioMs: number; cut: boolean }
  | { kind: 'call'; itemId: string; callId: string; name: string; arguments: string; output?: string };

/** A long call keeps its most recent turns; a restore beyond this would not help the model either. */
const MAX_ENTRIES = 400;
const MAX_TEXT = 8_000;

/**
 * The conversation so far, from the events the backend sends (and the tool outputs the gateway
 * sends it), so that a new backend connection can be given it back as items: audio turns as
 * their transcripts, since audio items cannot be re-created.
 */
export class ConversationLog {
  readonly #entries = new Map<string, LogEntry>();
  /** Items re-created on a new connection, whose echo is not news. */
  readonly #restoring = new Set<string>();

  get entries(): LogEntry[] {
    return [...this.#entries.values()];
  }

  /** True for the backend's echo of an item the gateway re-created (a client need not hear of it twice). */
  isRestoredEcho(event: RealtimeServerEvent): boolean {
    if (event.type !== 'conversation.item.added' && event.type !== 'conversation.item.done') return false;
    const id = event.item.id;
    if (!id || !this.#restoring.has(id)) return false;
    if (event.type === 'conversation.item.done') this.#restoring.delete(id);
    return true;
  }

  serverEvent(event: RealtimeServerEvent): void {
    switch (event.type) {
      case 'conversation.item.added':
      case 'conversation.item.done':
        if (!this.#restoring.has(event.item.id ?? '')) this.#item(event.item);
        return;
      case 'conversation.item.input_audio_transcription.completed':
        return this.#setText(event.item_id, 'user', event.transcript);
      case 'response.output_audio_transcript.delta':
        return this.#appendText(event.item_id, event.delta);
      case 'response.output_audio_transcript.done':
        return this.#setText(event.item_id, 'assistant', event.transcript);
      case 'response.output_text.done':
        return this.#setText(event.item_id, 'assistant', event.text);
      case 'conversation.item.truncated':
        return this.#cut(event.item_id, event.audio_end_ms);
      case 'conversation.item.deleted':
        this.#entries.delete(event.item_id);
        return;
      default:
    }
  }

  /** Agent audio handed to the listener, so a cut can be placed in the transcript. */
  agentAudio(itemId: string, ms: number): void {
    const entry = this.#entries.get(itemId);
    if (entry?.kind === 'assistant') entry.audioMs += ms;
  }

  /** A tool output the gateway sent, recorded as it leaves: if the connection drops with it in flight, it is not lost. */
  outputSent(callId: string, output: string): void {
    for (const entry of this.#entries.values()) {
      if (entry.kind === 'call' && entry.callId === callId) entry.output = output;
    }
  }

  /** Whether the model owes an answer: the last thing in the conversation is a tool's result. */
  endsWithToolOutput(): boolean {
    const last = [...this.#entries.values()].at(-1);
    return last?.kind === 'call' && last.output !== undefined;
  }

  /** The items that rebuild this conversation on a new connection, in order, with their ids. */
  restoreItems(): ConversationItem[] {
    const items: ConversationItem[] = [];
    for (const entry of this.#entries.values()) {
      switch (entry.kind) {
        case 'user':
          if (entry.text) items.push({ id: entry.itemId, type: 'message', role: 'user', content: [{ type: 'input_text', text: entry.text }] });
          break;
        case 'assistant':
          if (entry.text) items.push({ id: entry.itemId, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: entry.text }] });
          break;
        case 'call':
          items.push({ id: entry.itemId, type: 'function_call', call_id: entry.callId, name: entry.name, arguments: entry.arguments });
          if (entry.output !== undefined) items.push({ type: 'function_call_output', call_id: entry.callId, output: entry.output });
          break;
      }
    }
    for (const item of items) if (item.id) this.#restoring.add(item.id);
    return items;
  }

  #item(item: ConversationItem): void {
    const id = item.id;
    if (!id) return;
    const known = this.#entries.get(id);
    if (item.type === 'message' && item.role === 'user') {
      const text = item.content.map((c) => c.text ?? c.transcript ?? '').join('');
      if (!known) this.#add({ kind: 'user', itemId: id, text: clip(text) });
      else if (known.kind === 'user' && text) known.text = clip(text);
    } else if (item.type === 'message' && item.role === 'assistant') {
      if (!known) this.#add({ kind: 'assistant', itemId: id, text: '', audioMs: 0, cut: false });
    } else if (item.type === 'function_call' && item.call_id && item.name) {
      if (!known) this.#add({ kind: 'call', itemId: id, callId: item.call_id, name: item.name, arguments: item.arguments ?? '' });
      else if (known.kind === 'call' && item.arguments) known.arguments = item.arguments;
    } else if (item.type === 'function_call_output') {
      this.outputSent(item.call_id, item.output);
    }
  }

  #add(entry: LogEntry): void {
    this.#entries.set(entry.itemId, entry);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  #setText(itemId: string, kind: 'user' | 'assistant', text: string): void {
    const entry = this.#entries.get(itemId);
    if (entry?.kind === kind && !(entry.kind === 'assistant' && entry.cut)) entry.text = clip(text);
  }

  #appendText(itemId: string, delta: string): void {
    const entry = this.#entries.get(itemId);
    if (entry?.kind === 'assistant' && !entry.cut) entry.text = clip(entry.text + delta);
  }

  /** The backend cut its item at what was heard; cut the transcript in the same proportion. */
  #cut(itemId: string, audioEndMs: number): void {
    const entry = this.#entries.get(itemId);
    if (entry?.kind !== 'assistant' || entry.audioMs <= 0) return;
    const words = entry.text.split(/\s+/).filter(Boolean);
    const kept = Math.round(words.length * Math.min(1, audioEndMs / entry.audioMs));
    entry.text = words.slice(0, kept).join(' ');
    entry.cut = true;
  }
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}
