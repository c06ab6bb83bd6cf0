import type { Logger } from 'pino';
import { callerLine, ruleFor } from './context-rules.ts';
import { sampleLine, walkFlow } from './flow-walk.ts';
import { isSequence, type LoadedContextScript, type LoadedScript, type ScriptStep } from './script.ts';
import { SequencePlayer } from './sequence.ts';
import { viewSession, type ResponderInput, type SessionView } from './session-view.ts';
import { placeholderTranscript, type UserInput } from './user-input.ts';

// The emulated model's "mind". Each response is decided from the session as it stands (the
// instructions and tools last sent, the conversation so far, the user's words where known): a
// context script's first matching rule, else the default responder, which walks a state-machine
// prompt through its graph, or answers plainly when the prompt has no states. Nothing is queued
// between responses, so a cancelled response loses what it had not said and the next one decides
// again. A sequence script (`turns`) instead plays its turns in order.

export type { UserInput } from './user-input.ts';
export { placeholderTranscript } from './user-input.ts';
export type { ResponderInput } from './session-view.ts';

/** What the responder gives a response to say or do, in order. */
export type ResponseSteps = readonly ScriptStep[];

const NO_SESSION: ResponderInput = { instructions: '', tools: [], items: [] };

export class Responder {
  readonly #sequence: SequencePlayer | undefined;
  readonly #context: LoadedContextScript | undefined;
  readonly #logger: Logger;
  /** The latest user input, and the words taken for it (for audio, before its transcript lands). */
  #lastInput: { input: UserInput; words: string } | undefined;
  /** Whether user input came since the last response (plain replies answer it once). */
  #fresh = false;

  constructor(script: LoadedScript | undefined, logger: Logger) {
    this.#sequence = script && isSequence(script) ? new SequencePlayer(script, logger) : undefined;
    this.#context = script && !isSequence(script) ? script : undefined;
    this.#logger = logger;
  }

  /**
   * A user item is joining the conversation. Returns what the user is taken to have said: the
   * text typed, or for audio the script's line for this context, or a marked placeholder (no
   * speech recognizer ships).
   */
  userInput(input: UserInput, session: ResponderInput = NO_SESSION): string {
    const scripted = this.#sequence ? this.#sequence.userInput() : this.#context && input.kind === 'audio' ? callerLine(this.#context.caller, viewSession(session)) : undefined;
    const words = scripted ?? (input.kind === 'text' ? input.text : placeholderTranscript(input.durationMs));
    this.#lastInput = { input, words };
    this.#fresh = true;
    return words;
  }

  /**
   * What a simulated caller (SIP) says next, once it is the caller's turn: the agent has spoken
   * and nothing is owed. `turn` changes with every turn, so a line is spoken once per turn.
   */
  nextUserLine(session: ResponderInput = NO_SESSION): { turn: number; text: string } | undefined {
    if (this.#sequence) return this.#sequence.nextUserLine();
    const last = session.items.at(-1);
    if (!this.#context || last?.type !== 'message' || last.role !== 'assistant') return undefined;
    const text = callerLine(this.#context.caller, viewSession(session));
    return text === undefined ? undefined : { turn: session.items.length, text };
  }

  /** The steps of the next response in the default conversation. */
  respond(session: ResponderInput = NO_SESSION): ResponseSteps {
    const fresh = this.#fresh ? this.#lastInput?.input : undefined;
    this.#fresh = false;
    if (this.#sequence) return this.#sequence.respond() ?? plainReply(fresh);
    const view = viewSession(session, this.#lastInput?.words);
    const rule = this.#context ? ruleFor(this.#context, view) : undefined;
    if (rule) this.#logger.debug({ rule: rule.index, state: view.state, on: view.trigger.kind }, 'script rule');
    const steps = rule?.steps ?? walkFlow(view);
    return steps ? withoutRepeat(steps, view) : plainReply(fresh);
  }

  /** The client re-created something the model had said or called (a conversation restored onto a new session). */
  replayed(output: { kind: 'say' } | { kind: 'call'; name: string }): void {
    this.#fresh = false;
    // A context decides from the restored items themselves; only a sequence keeps a place.
    this.#sequence?.replayed(output);
  }

  /** Out-of-band responses and idle reprompts do not move the conversation. */
  static unscripted(reason: 'out_of_band' | 'idle'): ResponseSteps {
    return [{ say: reason === 'idle' ? 'Are you still there?' : 'Okay.' }];
  }
}

/**
 * A model answering a tool's result does not make the very same call again: a refused move or a
 * failed lookup would loop. The call is left out (and a line said when nothing else is left).
 */
function withoutRepeat(steps: readonly ScriptStep[], view: SessionView): ResponseSteps {
  const { trigger } = view;
  if (trigger.kind !== 'tool') return steps;
  const same = (step: ScriptStep) => 'call' in step && step.call === trigger.name && sameJson(JSON.stringify(step.arguments), trigger.arguments);
  if (!steps.some(same)) return steps;
  const kept = steps.filter((step) => !same(step));
  return kept.length > 0 ? kept : [{ say: view.state === undefined ? "Sorry, that didn't work." : sampleLine(view) }];
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** The reply with no script and no states: an echo of the input, or a greeting. */
function plainReply(input: UserInput | undefined): ResponseSteps {
  if (input?.kind === 'text') {
    const text = input.text.length > 200 ? `${input.text.slice(0, 200)}…` : input.text;
    return [{ say: `You said: ${text}` }];
  }
  if (input?.kind === 'audio') {
    const seconds = Math.max(1, Math.round(input.durationMs / 1000));
    return [{ say: `I heard about ${seconds} second${seconds === 1 ? '' : 's'} of speech.` }];
  }
  return [{ say: 'Hello! How can I help you?' }];
}
