import { SEED_STATES } from '../../helpers/seed.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VgError } from '../../../src/errors.ts';
import { loadStatesFile } from '../../../src/engine/load-states.ts';
import { validateStates } from '../../../src/engine/validate-states.ts';


const dir = mkdtempSync(join(tmpdir(), 'vg-states-'));
const opts = { handoffTargets: ['tourGuide'] };

function state(id: string, next: string[] = [], extra: Record<string, unknown> = {}) {
  return {
    id,
    description: `State ${id}.`,
    instructions: [`Do ${id}.`],
    examples: [`Say ${id}.`],
    transitions: next.map((next_step) => ({ next_step, condition: `After ${id}.` })),
    ...extra,
  };
}

/** Writes the file and returns the loader's error message lines (the first is the count). */
function problemsOf(name: string, content: unknown): { file: string; lines: string[] } {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  try {
    loadStatesFile(file, opts);
  } catch (error) {
    if (!(error instanceof VgError)) throw error;
    expect(error.code).toBe('VG_ERR_STATES_INVALID');
    return { file, lines: error.message.split('\n') };
  }
  throw new Error(`${name} loaded without error`);
}

describe('loadStatesFile', () => {
  it('takes the extensions: a transferHuman move, and a final state that hangs up', () => {
    const file = join(dir, 'extensions.json');
    writeFileSync(file, JSON.stringify([state('a', ['b', 'transferHuman']), state('b', [], { hangup: true })]));
    const loaded = loadStatesFile(file, opts);
    expect(loaded.states[1].hangup).toBe(true);
    expect(loaded.states[0].hangup).toBeUndefined();
    expect(loaded.states[0].transitions.map((t) => t.next_step)).toEqual(['b', 'transferHuman']);
  });

  it('refuses a state that hangs up but has moves out, and a hangup that is not a boolean', () => {
    const { file, lines } = problemsOf('hangup.json', [state('a', ['b'], { hangup: true }), state('b', [], { hangup: 'yes' })]);
    expect(lines).toContain(`${file} /0/transitions: expected no transitions in a state with "hangup": true (the call ends there), found 1 transition`);
    expect(lines.some((line) => line.startsWith(`${file} /1/hangup: expected`) && line.includes('boolean'))).toBe(true);
  });

  it('loads the voice-agents guide fixture unchanged', () => {
    const definition = loadStatesFile(SEED_STATES, opts);
    const seed = JSON.parse(readFileSync(SEED_STATES, 'utf8')) as object[];
    // The guide's file has no `collects` (an extension): each state collects nothing.
    expect(definition.states).toEqual(seed.map((state) => ({ ...state, collects: [] })));
    expect(definition.states[0]?.id).toBe('1_greeting');
  });

  it('accepts extension fields, a missing examples list and a final state', () => {
    const file = join(dir, 'extended.json');
    writeFileSync(file, JSON.stringify([state('a', ['b'], { x_timeout_ms: 5 }), { ...state('b'), examples: undefined }]));
    const definition = loadStatesFile(file, opts);
    expect(definition.states[1]?.examples).toEqual([]);
    expect(definition.states[1]?.transitions).toEqual([]);
  });

  it('reports invalid JSON with line and column', () => {
    const { file, lines } = problemsOf('syntax.json', '[\n  { "id": "a",\n    "description": "x"\n    "instructions": [] }\n]');
    expect(lines[1]).toMatch(new RegExp(`^${escape(file)} line 4, column 5: expected valid JSON \\(Expected ',' or '}' after property value`));
  });

  it('reports a missing file', () => {
    const file = join(dir, 'absent.json');
    expect(() => loadStatesFile(file, opts)).toThrow(`${file} (root): expected a readable states file, found ENOENT`);
  });

  it('reports a document that is not an array', () => {
    const { file, lines } = problemsOf('object.json', { id: 'a' });
    expect(lines).toContain(`${file} (root): expected an array (The states of one agent's conversation; the first is the start state.), found an object`);
  });

  it('renders schema violations with path and expectation', () => {
    const broken = [
      { ...state('a', ['b']), transitions: [{ next_step: 'b' }] },
      { ...state('b'), id: 7 },
      { ...state('c'), instructions: [] },
      { ...state('d'), instructions: ['fine', ''] },
    ];
    const { file, lines } = problemsOf('schema.json', broken);
    expect(lines).toContain(`${file} /0/transitions/0/condition: expected property "condition" (when the move happens, in words the model can judge), found nothing`);
    expect(lines).toContain(`${file} /1/id: expected a string (the state's unique id, e.g. "2_get_first_name"), found number 7`);
    expect(lines).toContain(`${file} /2/instructions: expected at least 1 item (what the model does in this state, one instruction per item), found an array of 0`);
    expect(lines).toContain(`${file} /3/instructions/1: expected a non-empty string (one instruction for the model), found ""`);
  });

  it('reports instructions of only spaces', () => {
    const { file, lines } = problemsOf('blank.json', [{ ...state('a'), instructions: ['   '] }]);
    expect(lines).toEqual(['Invalid conversation-state file: 1 problem', `${file} /0/instructions/0: expected an instruction with words in it, found "   "`]);
  });

  it('reports duplicate ids', () => {
    const { file, lines } = problemsOf('duplicate.json', [state('a', ['b']), state('b', ['a']), state('a')]);
    expect(lines).toContain(`${file} /2/id: expected a unique id ("a" is already the id of /0), found "a"`);
  });

  it('reports a next_step that is neither a state nor a handoff target, listing the allowed values', () => {
    const { file, lines } = problemsOf('target.json', [state('a', ['b']), state('b', ['c_missing'])]);
    expect(lines).toContain(
      `${file} /1/transitions/0/next_step: expected a state of this file or a handoff target, one of: a, b, transferAgents, transferHuman, tourGuide, found "c_missing"`,
    );
  });

  it('names a misspelt key as the likely cause of a missing one', () => {
    const { file, lines } = problemsOf('misspelt.json', [{ ...state('a'), transitions: [{ next_step: 'a', condtion: 'Always.' }] }]);
    expect(lines).toContain(`${file} /0/transitions/0/condition: expected property "condition" (when the move happens, in words the model can judge), found nothing ("condtion" looks like a misspelling of it)`);
  });

  it('does not offer transferAgents to an agent that hands off to no other', () => {
    const file = join(dir, 'lonely.json');
    writeFileSync(file, JSON.stringify([state('a', ['b']), state('b', ['transferAgents'])]));
    expect(() => loadStatesFile(file, { handoffTargets: [] })).toThrow(
      `${file} /1/transitions/0/next_step: expected a state of this file (the agent hands off to no other), one of: a, b, transferHuman, found "transferAgents"`,
    );
  });

  it('loads the values a state collects, required unless it says otherwise', () => {
    const file = join(dir, 'collects.json');
    const slot = { name: 'first_name', description: 'the first name', schema: { type: 'string', minLength: 1 } };
    writeFileSync(file, JSON.stringify([{ ...state('a', ['b']), collects: [slot, { ...slot, name: 'nickname', required: false }] }, state('b')]));
    const definition = loadStatesFile(file, opts);
    expect(definition.states[0]?.collects).toEqual([{ ...slot, required: true }, { ...slot, name: 'nickname', required: false }]);
    expect(definition.states[1]?.collects).toEqual([]);
  });

  it('reports a collected value with a bad name, a schema that is not one, a name twice, or two schemas for one name', () => {
    const slot = (name: string, schema: object) => ({ name, description: 'a value', schema });
    const { file, lines } = problemsOf('bad-collects.json', [
      { ...state('a', ['b']), collects: [slot('First Name', { type: 'string' }), slot('age', { type: 'strin' }), slot('city', { type: 'string' }), slot('city', { type: 'string' })] },
      { ...state('b'), collects: [slot('city', { type: 'number' }), { name: 'zip', schema: { type: 'string' } }] },
    ]);
    expect(lines).toContain(`${file} /0/collects/0/name: expected a string matching /^[a-z][a-z0-9_]{0,63}$/ (the value's snake_case name, e.g. "first_name"), found "First Name"`);
    expect(lines.find((l) => l.startsWith(`${file} /0/collects/1/schema: expected a valid JSON Schema (`))).toBeDefined();
    expect(lines).toContain(`${file} /0/collects/3/name: expected a name collected once in this state ("city" is already), found "city"`);
    expect(lines).toContain(`${file} /1/collects/0/schema: expected the schema "city" has at /0/collects/2 (one name is one value), found {"type":"number"}`);
    expect(lines).toContain(`${file} /1/collects/1/description: expected property "description" (what the value is, in a few words the model sees), found nothing`);
  });

  it('reports states unreachable from the first state', () => {
    const { file, lines } = problemsOf('unreachable.json', [state('a', ['b']), state('b'), state('c', ['b'])]);
    expect(lines).toEqual([
      'Invalid conversation-state file: 1 problem',
      `${file} /2: expected state "c" to be reachable from the start state "a" (no transition leads to it)`,
    ]);
  });

  it('refuses a state named like a handoff target', () => {
    const { file, lines } = problemsOf('clash.json', [state('a', ['tourGuide']), state('tourGuide')]);
    expect(lines).toContain(`${file} /1/id: expected an id that is neither "transferAgents", "transferHuman" nor an agent name, found "tourGuide"`);
  });

  it('lists every problem at once, one per line', () => {
    const { lines } = problemsOf('many.json', [
      { ...state('a', ['b', 'zzz']), instructions: [] },
      state('b'),
      state('b'),
      state('orphan'),
    ]);
    expect(lines[0]).toBe('Invalid conversation-state file: 4 problems');
    expect(lines).toHaveLength(5);
  });
});

describe('validateStates', () => {
  it('returns no problems for the fixture, for an agent that hands off (its last state says transferAgents)', () => {
    const json = JSON.parse(readFileSync(SEED_STATES, 'utf8')) as unknown;
    expect(validateStates(json, 'seed.json', { handoffTargets: ['tourGuide'] })).toEqual([]);
  });

  it('accepts a direct handoff only to a declared target', () => {
    const json = [state('a', ['tourGuide'])];
    expect(validateStates(json, 'x.json', { handoffTargets: ['tourGuide'] })).toEqual([]);
    expect(validateStates(json, 'x.json', { handoffTargets: [] })).toMatchObject([
      { file: 'x.json', path: '/0/transitions/0/next_step', found: '"tourGuide"' },
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
