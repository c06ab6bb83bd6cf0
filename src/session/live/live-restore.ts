import type { Logger } from 'pino';
import type { SessionConfig } from 'openai/resources/live/live';
import type { LinkPolicy } from '../backend-link.ts';
import { retry } from '../retry.ts';
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
  const { link, policy, log } = deps;
  const outcome = await retry(policy.retryDelaysMs, deps.signal, async () => {
    await link.open(deps.config());
  }, (err, attempt) => {
    log.warn({ err: (err as Error).message, attempt }, 'live backend reconnect attempt failed');
    return 'retry';
  });
  if (!outcome) return;
  if (outcome.ok) {
    log.info({ attempt: outcome.attempts }, 'live backend connection restored');
    deps.onRestored(outcome.attempts);
  } else {
    deps.onLost(outcome.attempts);
  }
}
