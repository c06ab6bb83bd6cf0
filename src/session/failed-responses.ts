import type { Logger } from 'pino';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';

/** Account errors no retry mends: the call cannot be answered at all (LIVE_PROTOCOL.md §8, C-lk's list). */
const FATAL = new Set(['insufficient_quota', 'invalid_api_key', 'account_deactivated', 'billing_hard_limit_reached']);

export interface FailedResponsesDeps {
  log: Logger;
  /** Asks the backend for the answer again. */
  retry: () => void;
  /** The backend cannot answer this call: it ends (the caller is told, on a phone by the apology). */
  giveUp: (code: string) => void;
  /** Tells the client what failed (its code, never the backend's words). */
  tell: (code: string) => void;
}

/**
 * A response the backend ended as `failed` said nothing: without this the caller hears only
 * silence. A transient failure (a server error) is asked again once; a second one in a row, or an
 * account error (no quota, a revoked key), ends the call so the caller is not left waiting.
 */
export class FailedResponses {
  readonly #deps: FailedResponsesDeps;
  #inARow = 0;

  constructor(deps: FailedResponsesDeps) {
    this.#deps = deps;
  }

  serverEvent(event: RealtimeServerEvent): void {
    if (event.type !== 'response.done') return;
    if (event.response.status !== 'failed') {
      // Anything else the backend did (an answer, one the caller cut off) ends the run of failures.
      this.#inARow = 0;
      return;
    }
    const error = event.response.status_details?.error;
    const code = error?.code ?? error?.type ?? 'unknown';
    this.#inARow++;
    this.#deps.log.warn({ code, in_a_row: this.#inARow }, 'the backend failed a response');
    this.#deps.tell(code);
    if (FATAL.has(code) || this.#inARow > 1) this.#deps.giveUp(code);
    else this.#deps.retry();
  }
}
