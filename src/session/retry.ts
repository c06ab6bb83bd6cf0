import { setTimeout as sleep } from 'node:timers/promises';

/** A retry's wait, jittered by ±20 % so calls that dropped together do not retry in step. */
export function jitter(ms: number): number {
  return ms * (0.8 + Math.random() * 0.4);
}

/** `attempts`: how many were made. `gaveUp`: a failure said there was no point in another. */
export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; gaveUp: boolean };

/**
 * Restoring a backend link, on either voice API: waits each of `delaysMs` (jittered) and tries
 * again, until an attempt succeeds, `onFailure` says to stop, or the delays run out. Undefined
 * once `signal` aborts (the call ended): nothing more is tried or reported.
 */
export async function retry(
  delaysMs: readonly number[],
  signal: AbortSignal,
  attempt: (n: number) => Promise<void>,
  onFailure: (err: unknown, n: number) => 'retry' | 'stop',
): Promise<RetryOutcome | undefined> {
  for (let n = 1; n <= delaysMs.length; n++) {
    try {
      await sleep(jitter(delaysMs[n - 1]), undefined, { signal });
    } catch {
      return undefined;
    }
    try {
      await attempt(n);
    } catch (err) {
      if (signal.aborted) return undefined;
      if (onFailure(err, n) === 'stop') return { ok: false, attempts: n, gaveUp: true };
      continue;
    }
    return signal.aborted ? undefined : { ok: true, attempts: n };
  }
  return signal.aborted ? undefined : { ok: false, attempts: delaysMs.length, gaveUp: false };
}
