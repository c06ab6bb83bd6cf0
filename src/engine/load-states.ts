import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { parseJsonText } from './json-text.ts';
import { statesError, type StateProblem } from './state-problems.ts';
import type { StatesDefinition } from './states.ts';
import { parseStates, type StatesValidationOptions } from './validate-states.ts';

/** Reads and checks one states file; throws VG_ERR_STATES_INVALID listing every problem. */
export function loadStatesFile(path: string, opts: StatesValidationOptions): StatesDefinition {
  const result = readStatesFile(path, opts);
  if (!result.ok) throw statesError(result.problems);
  return result.definition;
}

/** Like loadStatesFile, but returns the problems, so a caller can report several files at once. */
export function readStatesFile(
  path: string,
  opts: StatesValidationOptions,
): { ok: true; definition: StatesDefinition } | { ok: false; problems: StateProblem[] } {
  const file = displayName(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    return { ok: false, problems: [{ file, path: '', expected: 'a readable states file', found: reason }] };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    return { ok: false, problems: [{ file, path: '', position: parsed.position, expected: `valid JSON (${parsed.message})` }] };
  }
  return parseStates(parsed.value, file, opts);
}

// Messages name files as the person starting the gateway sees them: relative to where they stand.
function displayName(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
