import type { ErrorObject } from 'ajv';
import { distance } from 'fastest-levenshtein';

/** One JSON Schema violation in words: where (a JSON pointer), what was expected, what was there. */
export interface SchemaViolation {
  path: string;
  expected: string;
  found?: string;
}

/**
 * Renders ajv errors (compiled with `verbose: true`, so each error carries its data and schema)
 * as sentences a person or a model can act on, instead of ajv's terse "must be string".
 */
export function describeSchemaErrors(errors: readonly ErrorObject[]): SchemaViolation[] {
  return errors.map(describeError);
}

function describeError(error: ErrorObject): SchemaViolation {
  const { keyword, instancePath: path, params } = error;
  const about = annotation(error.parentSchema?.description);
  switch (keyword) {
    case 'required': {
      const name = String(params.missingProperty);
      const properties: unknown = error.parentSchema?.properties;
      const description = isRecord(properties) && isRecord(properties[name]) ? properties[name].description : undefined;
      const near = misspellingOf(name, error.data, properties);
      return {
        path: `${path}/${escapePointer(name)}`,
        expected: `property "${name}"${annotation(description)}`,
        found: near === undefined ? 'nothing' : `nothing ("${near}" looks like a misspelling of it)`,
      };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(isRecord(error.parentSchema?.properties) ? error.parentSchema.properties : {});
      return { path: `${path}/${escapePointer(name)}`, expected: `no property "${name}" (allowed: ${allowed.join(', ') || 'none'})`, found: describeValue(isRecord(error.data) ? error.data[name] : undefined) };
    }
    case 'type':
      return { path, expected: `${typeNames(params.type)}${about}`, found: describeValue(error.data) };
    case 'minLength':
      return { path, expected: `${Number(params.limit) === 1 ? 'a non-empty string' : `a string of at least ${params.limit} characters`}${about}`, found: describeValue(error.data) };
    case 'maxLength':
      return { path, expected: `a string of at most ${params.limit} characters${about}`, found: describeValue(error.data) };
    case 'minItems':
      return { path, expected: `at least ${params.limit} item${Number(params.limit) === 1 ? '' : 's'}${about}`, found: describeValue(error.data) };
    case 'maxItems':
      return { path, expected: `at most ${params.limit} items${about}`, found: describeValue(error.data) };
    case 'enum':
      return { path, expected: `one of ${listValues(params.allowedValues)}${about}`, found: describeValue(error.data) };
    case 'const':
      return { path, expected: JSON.stringify(params.allowedValue), found: describeValue(error.data) };
    case 'pattern':
      return { path, expected: `a string matching /${params.pattern}/${about}`, found: describeValue(error.data) };
    default:
      return { path, expected: `a value that satisfies "${keyword}" (${error.message ?? 'see the schema'})`, found: describeValue(error.data) };
  }
}

/** At most this many edits turn a present key into the missing one for it to count as its misspelling. */
const MISSPELLING_EDITS = 2;

/** A key of `data` the schema does not declare that is a near miss of the missing `name` (e.g. "condtion"). */
function misspellingOf(name: string, data: unknown, properties: unknown): string | undefined {
  if (!isRecord(data)) return undefined;
  const declared = isRecord(properties) ? properties : {};
  return Object.keys(data).find((key) => !(key in declared) && key.length > MISSPELLING_EDITS && distance(key, name) <= MISSPELLING_EDITS);
}

/** A short, log-safe picture of a value: strings are cut, containers are only sized. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

function typeNames(type: unknown): string {
  const names = Array.isArray(type) ? type.map(String) : [String(type)];
  return names.map((name) => (/^[aeiou]/.test(name) ? `an ${name}` : name === 'null' ? 'null' : `a ${name}`)).join(' or ');
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(', ') : String(values);
}

function annotation(description: unknown): string {
  return typeof description === 'string' && description.length > 0 ? ` (${description})` : '';
}

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
