import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { VgError } from '../errors.ts';
import { describeSchemaErrors } from '../tools/schema-errors.ts';

// Conversation test files (JSON or YAML), checked against conversations/schema.json where they
// are read, with errors that name the file, the path and what was expected.

export interface TurnExpectations {
  state?: string;
  says?: string;
  tool?: string;
  latency_ms?: number;
}

export interface CallerTurn {
  say?: string;
  type?: string;
  barge_in?: boolean;
  expect?: TurnExpectations;
}

export interface Expectations {
  states?: string[];
  tools?: { name: string; arguments?: Record<string, unknown> }[];
  transcript?: string[];
  handoff?: string;
  ended?: boolean;
  latency_ms?: number;
}

/** Where the caller goes in. */
export const EDGES = ['kiosk', 'webrtc', 'twilio'] as const;
export type Edge = (typeof EDGES)[number];

export interface ConversationTest {
  name: string;
  agent?: string;
  script?: string;
  edge?: Edge;
  timeout_ms?: number;
  turns: CallerTurn[];
  expect?: Expectations;
}

const schema = JSON.parse(readFileSync(new URL('../../conversations/schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, verbose: true }).compile<ConversationTest>(schema);

export async function loadConversationTest(path: string): Promise<ConversationTest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new VgError('VG_ERR_CONFIG', `${path}: cannot read the file (${(err as Error).message})`, { cause: err });
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new VgError('VG_ERR_CONFIG', `${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${(err as Error).message})`, { cause: err });
  }
  if (!validate(data)) {
    const problems = describeSchemaErrors(validate.errors ?? []).map((v) => `at ${v.path || '/'}: expected ${v.expected}${v.found ? `, found ${v.found}` : ''}`);
    throw new VgError('VG_ERR_CONFIG', `${path}: ${[...new Set(problems)].slice(0, 5).join('; ')}`);
  }
  for (const [index, turn] of data.turns.entries()) {
    if (turn.expect?.says !== undefined) checkPattern(turn.expect.says, `${path}: at /turns/${index}/expect/says`);
  }
  for (const [index, line] of (data.expect?.transcript ?? []).entries()) checkPattern(line, `${path}: at /expect/transcript/${index}`);
  return data;
}

/** A test the edge cannot carry: a typed turn on a phone line, which has no text channel. */
export function checkEdge(test: ConversationTest, edge: Edge, path: string): void {
  if (edge !== 'twilio') return;
  const typed = test.turns.findIndex((turn) => turn.type !== undefined);
  if (typed >= 0) {
    throw new VgError('VG_ERR_CONFIG', `${path}: at /turns/${typed}: turn ${typed + 1} types "${test.turns[typed].type}", but the twilio edge is a phone line and carries no text; say it, or run the test on another edge`);
  }
}

function checkPattern(source: string, at: string): void {
  try {
    new RegExp(source, 'i');
  } catch (err) {
    throw new VgError('VG_ERR_CONFIG', `${at}: not a regular expression (${(err as Error).message})`);
  }
}
