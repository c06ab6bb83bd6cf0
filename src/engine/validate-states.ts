import { Ajv2020 } from 'ajv/dist/2020.js';
import statesSchema from '../../states/schema.json' with { type: 'json' };
import { describeSchemaErrors } from '../tools/schema-errors.ts';
import { TRANSFER_AGENTS, TRANSFER_HUMAN, type ConversationState, type StatesDefinition } from './states.ts';
import type { StateProblem } from './state-problems.ts';
import { slotValidator, type SlotSpec } from './slots.ts';

export interface StatesValidationOptions {
  /** Agents this file may name as a `next_step` (direct handoffs). */
  handoffTargets: readonly string[];
  /** The labels of the agent's MCP servers, which `mcp_servers` may name; none when absent. */
  mcpServers?: readonly string[];
}

type SchemaSlot = Omit<SlotSpec, 'required'> & { required?: boolean };
type SchemaState = Omit<ConversationState, 'examples' | 'collects' | 'mcpServers'> & { examples?: string[]; collects?: SchemaSlot[]; mcp_servers?: string[] };

// Compiled once: every file is checked against the schema editors see.
const matchesSchema = new Ajv2020({ allErrors: true, verbose: true }).compile<SchemaState[]>(statesSchema);

/** Every problem of a parsed states file, schema and meaning alike; empty when the file is good. */
export function validateStates(json: unknown, fileName: string, opts: StatesValidationOptions): StateProblem[] {
  const problems: StateProblem[] = matchesSchema(json)
    ? []
    : describeSchemaErrors(matchesSchema.errors ?? []).map((violation) => ({ file: fileName, ...violation }));
  if (!Array.isArray(json)) return problems;
  // The checks below read whatever is well-formed enough, so one pass reports everything.
  const views = json.map(viewOf);
  const semantic = [
    ...idProblems(views, opts),
    ...blankInstructions(views),
    ...unknownTargets(views, opts),
    ...hangupWithTransitions(views),
    ...unreachableStates(views),
    ...slotProblems(json),
    ...mcpServerNames(json, opts.mcpServers ?? []),
  ];
  const all = [...problems, ...semantic.map((problem) => ({ file: fileName, ...problem }))];
  // Stable sort by state, so a file's problems read top to bottom.
  return all.sort((a, b) => stateIndex(a.path) - stateIndex(b.path));
}

function stateIndex(path: string): number {
  const first = path.split('/')[1];
  return first === undefined || first === '' ? -1 : Number(first);
}

/** The validated, normalised definition, or the problems that prevent it. */
export function parseStates(
  json: unknown,
  fileName: string,
  opts: StatesValidationOptions,
): { ok: true; definition: StatesDefinition } | { ok: false; problems: StateProblem[] } {
  const problems = validateStates(json, fileName, opts);
  if (problems.length > 0 || !matchesSchema(json)) return { ok: false, problems };
  const states = json.map((state) => ({
    id: state.id,
    description: state.description,
    instructions: [...state.instructions],
    examples: [...(state.examples ?? [])],
    transitions: state.transitions.map(({ next_step, condition }) => ({ next_step, condition })),
    collects: (state.collects ?? []).map(({ name, description, schema, required }) => ({ name, description, schema, required: required ?? true })),
    ...(state.hangup === true ? { hangup: true } : {}),
    ...(state.mcp_servers ? { mcpServers: [...state.mcp_servers] } : {}),
  }));
  return { ok: true, definition: { file: fileName, states } };
}

type Problem = Omit<StateProblem, 'file'>;

interface StateView {
  index: number;
  id?: string;
  instructions: unknown[];
  nextSteps: { index: number; value: string }[];
  hangup: boolean;
}

function viewOf(entry: unknown, index: number): StateView {
  const record = isRecord(entry) ? entry : {};
  const transitions = Array.isArray(record.transitions) ? record.transitions : [];
  return {
    index,
    id: typeof record.id === 'string' && record.id !== '' ? record.id : undefined,
    instructions: Array.isArray(record.instructions) ? record.instructions : [],
    hangup: record.hangup === true,
    nextSteps: transitions.flatMap((transition: unknown, i) =>
      isRecord(transition) && typeof transition.next_step === 'string' && transition.next_step !== ''
        ? [{ index: i, value: transition.next_step }]
        : [],
    ),
  };
}

function idProblems(views: StateView[], opts: StatesValidationOptions): Problem[] {
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  for (const { id, index } of views) {
    if (id === undefined) continue;
    const earlier = firstIndex.get(id);
    if (earlier !== undefined) {
      problems.push({ path: `/${index}/id`, expected: `a unique id ("${id}" is already the id of /${earlier})`, found: JSON.stringify(id) });
    } else {
      firstIndex.set(id, index);
    }
    if (id === TRANSFER_AGENTS || id === TRANSFER_HUMAN || opts.handoffTargets.includes(id)) {
      problems.push({ path: `/${index}/id`, expected: `an id that is neither "${TRANSFER_AGENTS}", "${TRANSFER_HUMAN}" nor an agent name`, found: JSON.stringify(id) });
    }
  }
  return problems;
}

// Empty arrays and empty strings are schema errors; this catches instructions of only spaces.
function blankInstructions(views: StateView[]): Problem[] {
  return views.flatMap(({ index, instructions }) =>
    instructions.flatMap((instruction, i) =>
      typeof instruction === 'string' && instruction !== '' && instruction.trim() === ''
        ? [{ path: `/${index}/instructions/${i}`, expected: 'an instruction with words in it', found: JSON.stringify(instruction) }]
        : [],
    ),
  );
}

function unknownTargets(views: StateView[], opts: StatesValidationOptions): Problem[] {
  const ids = views.flatMap((view) => (view.id === undefined ? [] : [view.id]));
  // "transferAgents" means a handoff: an agent with nowhere to hand off to cannot use it.
  const transfer = opts.handoffTargets.length > 0 ? [TRANSFER_AGENTS] : [];
  const allowed = [...new Set([...ids, ...transfer, TRANSFER_HUMAN, ...opts.handoffTargets])];
  return views.flatMap(({ index, nextSteps }) =>
    nextSteps
      .filter(({ value }) => !allowed.includes(value))
      .map(({ index: i, value }) => ({
        path: `/${index}/transitions/${i}/next_step`,
        expected: `${transfer.length > 0 ? 'a state of this file or a handoff target' : 'a state of this file (the agent hands off to no other)'}, one of: ${allowed.join(', ')}`,
        found: JSON.stringify(value),
      })),
  );
}

/** The `mcp_servers` extension names servers the agent declares. */
function mcpServerNames(json: unknown[], labels: readonly string[]): Problem[] {
  return json.flatMap((entry, index) => {
    const names = isRecord(entry) && Array.isArray(entry.mcp_servers) ? entry.mcp_servers : [];
    return names.flatMap((name: unknown, i) =>
      typeof name === 'string' && !labels.includes(name)
        ? [{ path: `/${index}/mcp_servers/${i}`, expected: labels.length > 0 ? `an MCP server of the agent, one of: ${labels.join(', ')}` : 'no MCP servers (the agent declares none)', found: JSON.stringify(name) }]
        : [],
    );
  });
}

/**
 * The `collects` extension: each slot's schema must be a JSON Schema, a name appears once per
 * state, and a name collected in several states means one value, so its schema is the same.
 */
function slotProblems(json: unknown[]): Problem[] {
  const problems: Problem[] = [];
  const firstSchema = new Map<string, { at: string; schema: string }>();
  json.forEach((entry, index) => {
    const collects = isRecord(entry) && Array.isArray(entry.collects) ? entry.collects : [];
    const seen = new Set<string>();
    collects.forEach((slot: unknown, i) => {
      if (!isRecord(slot) || typeof slot.name !== 'string' || !isRecord(slot.schema)) return;
      const at = `/${index}/collects/${i}`;
      if (seen.has(slot.name)) problems.push({ path: `${at}/name`, expected: `a name collected once in this state ("${slot.name}" is already)`, found: JSON.stringify(slot.name) });
      seen.add(slot.name);
      try {
        slotValidator({ name: slot.name, description: '', schema: slot.schema, required: true });
      } catch (error) {
        problems.push({ path: `${at}/schema`, expected: `a valid JSON Schema (${error instanceof Error ? error.message : String(error)})`, found: 'an object' });
        return;
      }
      const schema = JSON.stringify(slot.schema);
      const first = firstSchema.get(slot.name);
      if (!first) firstSchema.set(slot.name, { at, schema });
      else if (first.schema !== schema) {
        problems.push({ path: `${at}/schema`, expected: `the schema "${slot.name}" has at ${first.at} (one name is one value)`, found: schema.length > 60 ? `${schema.slice(0, 60)}…` : schema });
      }
    });
  });
  return problems;
}

// A state that ends the call cannot lead anywhere: its moves would never be taken.
function hangupWithTransitions(views: StateView[]): Problem[] {
  return views
    .filter((view) => view.hangup && view.nextSteps.length > 0)
    .map((view) => ({
      path: `/${view.index}/transitions`,
      expected: 'no transitions in a state with "hangup": true (the call ends there)',
      found: `${view.nextSteps.length} transition${view.nextSteps.length === 1 ? '' : 's'}`,
    }));
}

function unreachableStates(views: StateView[]): Problem[] {
  const start = views[0]?.id;
  if (start === undefined) return [];
  const reached = new Set([start]);
  const queue = [start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const view of views.filter((candidate) => candidate.id === id)) {
      for (const { value } of view.nextSteps) {
        if (!reached.has(value)) {
          reached.add(value);
          queue.push(value);
        }
      }
    }
  }
  return views
    .filter((view) => view.id !== undefined && !reached.has(view.id))
    .map((view) => ({
      path: `/${view.index}`,
      expected: `state "${view.id}" to be reachable from the start state "${start}" (no transition leads to it)`,
    }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
