import type { Logger } from 'pino';
import type { LoadedSequenceScript, ScriptStep } from './script.ts';
import type { UserInput } from './user-input.ts';

// A sequence script, played in order: user input consumes the next scripted user turn; each
// response takes the next scripted answer. For protocol tests where the exact order is the point;
// agents use context scripts, which follow the conversation instead.

export class SequencePlayer {
  readonly #turns: LoadedSequenceScript['turns'];
  readonly #logger: Logger;
  #nextTurn = 0;
  /** The answers of the current turn not yet given, in order. */
  #pending: ScriptStep[][] = [];
  /** Whether user input since the last response was the script's. */
  #fresh: { scripted: boolean } | null = null;

  constructor(script: LoadedSequenceScript, logger: Logger) {
    this.#turns = script.turns;
    this.#logger = logger;
  }

  /** The scripted user line this input stands for, or undefined when the script expects none now. */
  userInput(): string | undefined {
    const turn = this.#turns[this.#nextTurn];
    if (this.#pending.length > 0) this.#logger.debug({ dropped: this.#pending.length }, 'user spoke before the scripted answers ran out');
    if (turn?.user !== undefined) {
      this.#nextTurn += 1;
      this.#pending = [...turn.responses];
      this.#fresh = { scripted: true };
      return turn.user;
    }
    if (turn) this.#logger.warn({ turn: this.#nextTurn }, 'user input while the script expects a response.create first; answering unscripted');
    this.#pending = [];
    this.#fresh = { scripted: false };
    return undefined;
  }

  nextUserLine(): { turn: number; text: string } | undefined {
    if (this.#pending.length > 0 || this.#fresh) return undefined;
    const turn = this.#turns[this.#nextTurn];
    return turn?.user === undefined ? undefined : { turn: this.#nextTurn, text: turn.user };
  }

  /** The next scripted answer; undefined where the script has none (the default replies then). */
  respond(): readonly ScriptStep[] | undefined {
    const fresh = this.#fresh;
    this.#fresh = null;
    if (fresh) return fresh.scripted ? this.#pending.shift() : undefined;
    const next = this.#pending.shift();
    if (next) return next;
    const turn = this.#turns[this.#nextTurn];
    if (turn && turn.user === undefined) {
      this.#nextTurn += 1;
      this.#pending = [...turn.responses];
      return this.#pending.shift();
    }
    return undefined;
  }

  /** A step the client re-created (a restored conversation) is done, and not done again. */
  replayed(output: { kind: 'say' } | { kind: 'call'; name: string }): void {
    this.#fresh = null;
    const turn = this.#turns[this.#nextTurn];
    if (this.#pending.length === 0 && turn && turn.user === undefined) {
      // The model spoke first (a greeting): that turn of the script is the one replayed.
      this.#nextTurn += 1;
      this.#pending = [...turn.responses];
    }
    const answer = this.#pending[0];
    if (!answer) return;
    const index = answer.findIndex((step) => (output.kind === 'call' ? 'call' in step && step.call === output.name : 'say' in step));
    if (index < 0) return;
    const rest = answer.slice(index + 1);
    if (rest.length === 0) this.#pending.shift();
    else this.#pending[0] = rest;
  }
}
