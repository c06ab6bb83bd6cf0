import type { z } from 'zod';
import {
  invalidType,
  invalidValue,
  invalidValueBecause,
  lengthError,
  missingParameter,
  outOfRange,
  unknownParameter,
  type ProtocolError,
} from './errors.ts';

// Turns the first zod issue of a failed safe-parse into the Realtime `error` the live service
// would send for the same fault: code, `param` path (`session.tools[0].name`) and wording.
// Schemas must be parsed with `{ reportInput: true }` so a missing key can be told from a bad one.

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** Attach to a custom zod issue (`params.build`) when the error is not a plain schema fault. */
export interface CustomIssueParams {
  build: (param: string) => ProtocolError;
}

export function formatParam(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function issuesToError(issues: readonly Issue[], base: readonly PathKey[] = []): ProtocolError {
  return issueToError(issues[0], base);
}

function issueToError(issue: Issue, base: readonly PathKey[]): ProtocolError {
  const path = [...base, ...issue.path];
  const param = formatParam(path);
  const hasInput = 'input' in issue && issue.input !== undefined;
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownParameter(formatParam([...path, issue.keys[0]]));
    case 'invalid_type':
      if (!hasInput) return missingParameter(param);
      return invalidType(param, describeExpected(issue.expected), describeValue(issue.input));
    case 'invalid_value':
      if (!hasInput) return missingParameter(param);
      return invalidValue(param, issue.input, issue.values.map((v) => String(v)));
    case 'too_small':
      return bound(param, issue.origin, issue.input, Number(issue.minimum), 'below_min');
    case 'too_big':
      return bound(param, issue.origin, issue.input, Number(issue.maximum), 'above_max');
    case 'invalid_union':
      return unionError(issue, path);
    case 'custom': {
      const params = issue.params as Partial<CustomIssueParams> | undefined;
      if (params?.build) return params.build(param);
      return invalidValueBecause(param, issue.message);
    }
    default:
      return invalidValueBecause(param, issue.message);
  }
}

function bound(param: string, origin: string, input: unknown, limit: number, side: 'below_min' | 'above_max'): ProtocolError {
  if (origin === 'string' && typeof input === 'string') return lengthError('string', param, input.length, limit, side);
  if (origin === 'array' && Array.isArray(input)) return lengthError('array', param, input.length, limit, side);
  return outOfRange(param, Number(input), limit, side);
}

/**
 * A discriminated union names its options; a plain union reports every branch, so pick the
 * branch the value was evidently meant for (it got past the root) and report inside it.
 */
function unionError(issue: z.core.$ZodIssueInvalidUnion, path: readonly PathKey[]): ProtocolError {
  const param = formatParam(path);
  const input: unknown = issue.input;
  if (issue.discriminator !== undefined && issue.errors.length === 0) {
    // zod puts the discriminator on the path already, with the whole object as input.
    const key = path.at(-1);
    const value = input !== null && typeof input === 'object' && key !== undefined ? (input as Record<PropertyKey, unknown>)[key] : input;
    if (value === undefined) return missingParameter(param);
    const options = 'options' in issue ? (issue.options ?? []) : [];
    return invalidValue(param, value, options.map((o) => String(o)));
  }
  if (input === undefined) return missingParameter(param);
  const deeper = issue.errors.find((branch) => branch.length > 0 && branch[0].path.length > 0);
  if (deeper) return issueToError(deeper[0], path);
  const enumBranch = issue.errors.find((branch) => branch[0]?.code === 'invalid_value');
  if (enumBranch && typeof input === 'string') return issueToError(enumBranch[0], path);
  const expected = issue.errors
    .map((branch) => branch[0])
    .filter((i): i is z.core.$ZodIssueInvalidType => i?.code === 'invalid_type')
    .map((i) => describeExpected(i.expected));
  const unique = [...new Set(expected)];
  if (unique.length === 0) return invalidValueBecause(param, 'value does not match any allowed form.');
  return invalidType(param, unique.length === 1 ? unique[0] : `one of ${unique.join(' or ')}`, describeValue(input));
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
  record: 'an object',
};

function describeExpected(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

/** How the service names a value's JSON type in `invalid_type` messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
