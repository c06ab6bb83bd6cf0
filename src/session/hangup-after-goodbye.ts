import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';

/** The longest the agent may take to say and be heard saying its last words; then the call ends anyway. */
const GOODBYE_MAX_MS = 20_000;
/** How often to look whether the last words have been heard. */
const POLL_MS = 100;

export interface HangupDeps {
  /** Whether the agent is answering or still being heard. */
  busy: () => boolean;
  hangUp: () => void;
}

/**
 * A state that ends the call (`"hangup": true`): once the conversation is there, the agent's next
 * answer is its goodbye. When that answer is done and heard, the call ends; it ends at the latest
 * GOODBYE_MAX_MS after the move, so a goodbye that never comes does not keep the line open.
 */
export class HangupAfterGoodbye {
  readonly #deps: HangupDeps;
  #armed = false;
  #goodbye: string | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;

  constructor(deps: HangupDeps) {
    this.#deps = deps;
  }

  /** The conversation reached a state that ends the call. */
  arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#deadline = setTimeout(() => this.#hangUp(), GOODBYE_MAX_MS);
    this.#deadline.unref();
  }

  serverEvent(event: RealtimeServerEvent): void {
    if (!this.#armed) return;
    if (event.type === 'response.created' && this.#goodbye === undefined) this.#goodbye = event.response.id;
    else if (event.type === 'response.done' && this.#goodbye !== undefined && event.response.id === this.#goodbye) this.#whenHeard();
  }

  /** The goodbye has been said, where the backend has no response events to show it (GPT-Live's transcript turns). */
  goodbyeSaid(): void {
    if (this.#armed) this.#whenHeard();
  }

  dispose(): void {
    clearTimeout(this.#deadline);
    clearTimeout(this.#poll);
    this.#armed = false;
  }

  #whenHeard(): void {
    if (!this.#deps.busy()) return this.#hangUp();
    this.#poll = setTimeout(() => this.#whenHeard(), POLL_MS);
    this.#poll.unref();
  }

  #hangUp(): void {
    if (!this.#armed) return;
    this.dispose();
    this.#deps.hangUp();
  }
}
