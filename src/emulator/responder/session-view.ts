import type { Item } from '../protocol/items.ts';
import type { Tool } from '../protocol/session-config.ts';

// What the emulated model knows when it decides a response: only what the client sent, as a real
// model would. A gateway-compiled prompt names the current state, its instructions, sample
// phrases, the values known so far and the transitions out of it (each with the tool that takes
// it); the tools say which of those moves are on offer right now. A client that sends no such
// prompt gets a view with no state.

/** What the session holds when a response is decided. */
export interface ResponderInput {
  instructions: string;
  tools: readonly Tool[];
  items: readonly Item[];
}

/** The responder's input from a session's own state. */
export function sessionInput(ctx: { session: { instructions: string; tools: readonly Tool[] }; conversation: { items: readonly Item[] } }): ResponderInput {
  return { instructions: ctx.session.instructions, tools: ctx.session.tools, items: ctx.conversation.items };
}

/** What this response answers: nothing new (the session start, a plain response.create), the user, or a tool's result. */
export type Trigger =
  | { kind: 'start' }
  | { kind: 'user'; words: string | undefined }
  | { kind: 'tool'; name: string; arguments: string; output: string };

/** A transition the prompt declares, with the tool that takes it; `nextStep` for a move within the agent. */
export interface Move {
  tool: string;
  nextStep?: string;
  condition: string;
}

export interface SessionView {
  state: string | undefined;
  instructions: readonly string[];
  examples: readonly string[];
  /** Transitions declared by the prompt whose tool is on offer now. */
  moves: readonly Move[];
  /** Tools on offer that the state's instructions name (e.g. "Call the 'authenticateUser' function"). */
  stateTools: readonly string[];
  tools: ReadonlyMap<string, Tool>;
  known: Readonly<Record<string, unknown>>;
  trigger: Trigger;
  /** Tools called since this state was entered, with their arguments. */
  calledInState: readonly { name: string; arguments: string }[];
  /** User turns since this state was entered. */
  userTurnsInState: number;
  /** Assistant utterances since this state was entered. */
  saidInState: number;
  /** States the conversation moved to so far (by a move tool's next_step). */
  visited: ReadonlySet<string>;
}

const STATE_LINE = /^## Current state: (.+)$/m;
/** A transition line of the compiled prompt: "- <condition> → … call `tool` … [with next_step "x"]". */
const TRANSITION_LINE = /^- (.*?) → .*?call `([A-Za-z0-9_-]+)`(?: with next_step "([^"]+)")?/;
/** The Agents SDK names each handoff tool `transfer_to_<agent>`. */
export const HANDOFF_PREFIX = 'transfer_to_';

/**
 * `lastWords` is what the responder took the latest user audio to say, for the (usual) case that
 * its transcription has not landed on the item yet.
 */
export function viewSession(input: ResponderInput, lastWords?: string): SessionView {
  const tools = new Map(input.tools.flatMap((tool) => (tool.type === 'function' ? [[tool.name, tool] as const] : [])));
  const state = STATE_LINE.exec(input.instructions)?.[1]?.trim();
  const flow = state === undefined ? '' : input.instructions.slice(input.instructions.indexOf('## Current state:'));
  const instructions = bulletsAfter(flow, 'Instructions:');
  const moves = section(flow, '## Transitions').flatMap((line) => {
    const match = TRANSITION_LINE.exec(line);
    if (!match || !tools.has(match[2])) return [];
    return [{ condition: match[1], tool: match[2], ...(match[3] ? { nextStep: match[3] } : {}) }];
  });
  const moveTools = new Set(moves.map((move) => move.tool));
  const stateTools = [...tools.keys()].filter((name) => !moveTools.has(name) && !isMoveTool(name, tools) && instructions.some((line) => mentions(line, name)));
  const since = sinceEntered(input.items, state, tools);
  return {
    state,
    instructions,
    examples: bulletsAfter(flow, 'Sample phrases'),
    moves,
    stateTools,
    tools,
    known: knownValues(input.instructions),
    trigger: trigger(input.items, lastWords),
    ...since,
    visited: new Set(input.items.flatMap((item) => (item.type === 'function_call' ? [nextStepOf(item.arguments)].filter((s) => s !== undefined) : []))),
  };
}

/** The tool moves between states of one agent: it takes a `next_step` out of an enum. */
function isMoveTool(name: string, tools: ReadonlyMap<string, Tool>): boolean {
  if (name.startsWith(HANDOFF_PREFIX)) return true;
  const tool = tools.get(name);
  const props = tool?.type === 'function' ? (tool.parameters?.properties as Record<string, { enum?: unknown }> | undefined) : undefined;
  return Array.isArray(props?.next_step?.enum);
}

function mentions(line: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(line);
}

/** The bullet lines after a heading line that starts with `heading`, up to the first blank line. */
function bulletsAfter(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('- ')) break;
    out.push(line.slice(2).trim());
  }
  return out;
}

/** The lines of a `## heading` section, up to the next heading. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** "## Known so far" lines: `- name: <JSON>`. */
function knownValues(instructions: string): Record<string, unknown> {
  const known: Record<string, unknown> = {};
  for (const line of section(instructions, '## Known so far')) {
    const match = /^- ([a-z][a-z0-9_]*): (.+)$/.exec(line);
    if (!match) continue;
    try {
      known[match[1]] = JSON.parse(match[2]);
    } catch {
      known[match[1]] = match[2];
    }
  }
  return known;
}

export function nextStepOf(args: string): string | undefined {
  try {
    const parsed = JSON.parse(args) as { next_step?: unknown };
    return typeof parsed.next_step === 'string' ? parsed.next_step : undefined;
  } catch {
    return undefined;
  }
}

function trigger(items: readonly Item[], lastWords: string | undefined): Trigger {
  const last = items.at(-1);
  if (last?.type === 'message' && last.role === 'user') return { kind: 'user', words: userWords(last) ?? lastWords };
  if (last?.type === 'function_call_output') {
    const call = items.find((item) => item.type === 'function_call' && item.call_id === last.call_id);
    if (call?.type === 'function_call') return { kind: 'tool', name: call.name, arguments: call.arguments, output: last.output };
  }
  return { kind: 'start' };
}

function userWords(item: Extract<Item, { type: 'message' }>): string | undefined {
  const words = item.content.flatMap((part) => (part.type === 'input_text' ? [part.text] : part.type === 'input_audio' && part.transcript ? [part.transcript] : []));
  return words.length > 0 ? words.join(' ') : undefined;
}

/**
 * What happened since the conversation entered the current state: back to the move into it (a
 * move tool's call naming it, or a handoff), or to the start.
 */
function sinceEntered(items: readonly Item[], state: string | undefined, tools: ReadonlyMap<string, Tool>): Pick<SessionView, 'calledInState' | 'userTurnsInState' | 'saidInState'> {
  const calledInState: { name: string; arguments: string }[] = [];
  let userTurnsInState = 0;
  let saidInState = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === 'function_call') {
      const entered = item.name.startsWith(HANDOFF_PREFIX) || (state !== undefined && nextStepOf(item.arguments) === state && (isMoveTool(item.name, tools) || !tools.has(item.name)));
      if (entered) break;
      calledInState.unshift({ name: item.name, arguments: item.arguments });
    } else if (item.type === 'message' && item.role === 'user') userTurnsInState += 1;
    else if (item.type === 'message' && item.role === 'assistant') saidInState += 1;
  }
  return { calledInState, userTurnsInState, saidInState };
}
