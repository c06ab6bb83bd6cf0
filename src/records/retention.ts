import type { Logger } from 'pino';
import type { RecordStore } from './types.ts';

const DAY_MS = 86_400_000;
/** The first pass waits for start-up (migrations); then one pass an hour. */
const FIRST_PASS_MS = 10_000;
const EVERY_MS = 3_600_000;

/** Prunes records older than `days` (RECORDS_RETENTION_DAYS) now and then; 0 days keeps them. */
export function startRetention(store: RecordStore, days: number, log: Logger): { stop(): void } {
  if (days <= 0) return { stop: () => {} };
  const pass = async () => {
    try {
      const pruned = await store.prune(Date.now() - days * DAY_MS);
      if (pruned > 0) log.info({ pruned, retention_days: days }, 'call records pruned');
    } catch (err) {
      log.warn({ err }, 'call records: pruning failed; tried again within the hour');
    }
  };
  const first = setTimeout(() => void pass(), FIRST_PASS_MS);
  const hourly = setInterval(() => void pass(), EVERY_MS);
  first.unref();
  hourly.unref();
  return {
    stop: () => {
      clearTimeout(first);
      clearInterval(hourly);
    },
  };
}
