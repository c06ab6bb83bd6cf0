import type { Logger } from 'pino';
import type { LoadedScript, ScriptStep } from './script.ts';

// The emulated model's "mind": one cursor over the conversation script per session. User input
// consumes the next scripted user turn; each response takes the next scripted answer; when the
// script has nothing to say, the default responder answers so a demo keeps working.

export type UserInput = { kind: 'audio'; durationMs: number } | { kind: 'text'; text: string };

/** What the responder gives a response to say or do. */
export type ResponseSteps = readonly ScriptStep[];

export class Responder {
  readonly #turns: LoadedScript['turns'];
  readonly #logger: Logger;
  #nextTurn = 0;
  /** The answers of the current turn not yet given, in order. */
  #pending: ScriptStep[][] = [];
  /** User input since the last response, and whether the script knew it. */
  #fresh: { input: UserInput; scripted: boolean } | null = null;

  constructor(script: LoadedScript | undefined, logger: Logger) {
    this.#turns = script?.turns ?? [];
    this.#logger = logger;
  }

  /**
   * A user item joined the conversation. Returns what the user is taken to have said: the
   * scripted line, or for unscripted audio a marked placeholder (no speech recognizer ships).
   */
  userInput(input: UserInput): string {
    const turn = this.#turns[this.#nextTurn];
    if (this.#pending.length > 0) this.#logger.debug({ dropped: this.#pending.length }, 'user spoke before the scripted answers ran out');
    if (turn?.user !== undefined) {
      this.#nextTurn += 1;
      this.#pending = [...turn.responses];
      this.#fresh = { input, scripted: true };
      return turn.user;
    }
    if (turn) this.#logger.warn({ turn: this.#nextTurn }, 'user input while the script expects a response.create first; answering unscripted');
    this.#pending = [];
    this.#fresh = { input, scripted: false };
    return input.kind === 'text' ? input.text : placeholderTranscript(input.durationMs);
  }

  /**
   * The next scripted user line (a simulated SIP caller speaks it), once the model has given every
   * scripted answer before it; undefined while answers are owed or when the model speaks next.
   */
  nextUserLine(): { turn: number; text: string } | undefined {
    if (this.#pending.length > 0 || this.#fresh) return undefined;
    const turn = this.#turns[this.#nextTurn];
    return turn?.user === undefined ? undefined : { turn: this.#nextTurn, text: turn.user };
  }

  /** The steps of the next default-conversation response. */
  respond(): ResponseSteps {
    const fresh = this.#fresh;
    this.#fresh = null;
    if (fresh) return (fresh.scripted ? this.#pending.shift() : undefined) ?? defaultReply(fresh.input);
    const next = this.#pending.shift();
    if (next) return next;
    const turn = this.#turns[this.#nextTurn];
    if (turn && turn.user === undefined) {
      this.#nextTurn += 1;
      this.#pending = [...turn.responses];
      const first = this.#pending.shift();
      if (first) return first;
    }
    return [{ say: 'Hello! How can I help you?' }];
  }

  /**
   * The client re-created something the model had said or called (a conversation restored onto
   * a new session): that step of the script is done, and is not done again. The user input it
   * answered is no longer fresh, so the next response goes on from there.
   */
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

  /** Out-of-band responses and idle reprompts do not move the script. */
  static unscripted(reason: 'out_of_band' | 'idle'): ResponseSteps {
    return [{ say: reason === 'idle' ? 'Are you still there?' : 'Okay.' }];
  }
}

/** The transcript of user audio when no script says what it was: visibly not a recognition. */
export function placeholderTranscript(durationMs: number): string {
  return `[emulator: ${(durationMs / 1000).toFixed(1)} s of unscripted speech]`;
}

function defaultReply(input: UserInput): ResponseSteps {
  if (input.kind === 'text') {
    const text = input.text.length > 200 ? `${input.text.slice(0, 200)}…` : input.text;
    return [{ say: `You said: ${text}` }];
  }
  const seconds = Math.max(1, Math.round(input.durationMs / 1000));
  return [{ say: `I heard about ${seconds} second${seconds === 1 ? '' : 's'} of speech.` }];
}
