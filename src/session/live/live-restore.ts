import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SessionConfig } from 'openai/resources/live/live';
import type { LinkPolicy } from '../backend-link.ts';
import { jitter } from '../retry-delay.ts';
import type { LiveLink } from './live-link.ts';

export interface LiveRestoreDeps {
  link: LiveLink;
  policy: LinkPolicy;
  log: Logger;
  /** The configuration each attempt starts a session with (the current agent and state, the recap). */
  config: () => SessionConfig;
  /** Aborted when the call ends: the attempts stop. */
  signal: AbortSignal;
  onRestored: (attempts: number) => void;
  onLost: (attempts: number) => void;
}

/**
 * Restores a dropped GPT-Live link as the Realtime link does (the same back-off, the same
 * attempts): each attempt opens a new session configured for where the call is now.
 */
export async function restoreLiveLink(deps: LiveRestoreDeps): Promise<void> {
  const { link, policy, log, signal } = deps;
  for (let attempt = 1; attempt <= policy.retryDelaysMs.length; attempt++) {
    try {
      await sleep(jitter(policy.retryDelaysMs[attempt - 1]), undefined, { signal });
      await link.open(deps.config());
    } catch (err) {
      if (signal.aborted) return;
      log.warn({ err: (err as Error).message, attempt }, 'live backend reconnect attempt failed');
      continue;
    }
    if (signal.aborted) return;
    log.info({ attempt }, 'live backend connection restored');
    deps.onRestored(attempt);
    return;
  }
  if (!signal.aborted) deps.onLost(policy.retryDelaysMs.length);
}
