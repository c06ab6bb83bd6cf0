import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Child processes for the benches, with their stdout read line by line: the URL a server prints
 * is found once, and every later line (a pino JSON log line, a report) goes to `onLine`. Unlike
 * proc.ts's startServer, nothing accumulates, so a chatty child costs the bench nothing.
 */
export interface Child {
  child: ChildProcess;
  pid: number;
  /** What `pattern`'s first group matched (a URL). */
  match: string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** The first line matching this is the child's readiness; its first group is returned. */
  pattern: RegExp;
  env?: Record<string, string>;
  onLine?: (line: string) => void;
  /** 'inherit' (default) shows the child's stderr; 'ignore' hides it. */
  stderr?: 'inherit' | 'ignore';
  /** Extra node flags (e.g. --max-old-space-size). */
  nodeFlags?: string[];
  /** 'pipe' gives the child a stdin the bench can write to (child.stdin); default 'ignore'. */
  stdin?: 'pipe' | 'ignore';
}

export function spawnTs(entry: string, args: string[], opts: SpawnOptions): Promise<Child> {
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', entry, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', opts.stderr ?? 'inherit'],
  });
  return new Promise<Child>((resolve, reject) => {
    let pending = '';
    let match: string | undefined;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (match === undefined) {
          const m = opts.pattern.exec(line);
          if (m) {
            match = m[1] ?? m[0];
            resolve({ child, pid: child.pid!, match, stop: (graceMs) => stopChild(child, graceMs) });
            continue;
          }
        }
        opts.onLine?.(line);
      }
    });
    child.once('exit', (code, signal) => {
      if (match === undefined) reject(new Error(`${entry} exited (${code ?? signal}) before it was ready`));
    });
  });
}

export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them. */
export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export const fmt = (n: number | undefined, digits = 0): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
