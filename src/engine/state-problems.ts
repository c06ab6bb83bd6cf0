import { VgError } from '../errors.ts';

/** One thing wrong with a states file: where, and what was expected there. */
export interface StateProblem {
  file: string;
  /** A JSON pointer into the file; '' is the whole document. */
  path: string;
  /** For syntax errors, where the parser stopped (1-based). */
  position?: { line: number; column: number };
  expected: string;
  found?: string;
}

function formatProblem(problem: StateProblem): string {
  const where = problem.position
    ? `line ${problem.position.line}, column ${problem.position.column}`
    : problem.path || '(root)';
  return `${problem.file} ${where}: expected ${problem.expected}${problem.found ? `, found ${problem.found}` : ''}`;
}

/** All problems in one error, one per line, so a broken file is fixed in one pass. */
export function statesError(problems: readonly StateProblem[]): VgError {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return new VgError('VG_ERR_STATES_INVALID', `${problems.length} ${noun}\n${problems.map(formatProblem).join('\n')}`);
}
