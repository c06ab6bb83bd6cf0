/**
 * Answers to the open questions of LIVE_PROTOCOL.md §8, as options of the emulated GPT-Live
 * service. The defaults are the reference's best reading; docs/emulator.md says why for each.
 */
export interface LiveChoices {
  /** §8.2: output audio streams this many times faster than real time (1 = real time, as the reference suggests). */
  outputPace: number;
  /** §8.2: milliseconds of audio per `session.output_audio.delta` (C-lk's tests use 100 ms frames). */
  outputChunkMs: number;
  /** §2.2: silence after speech before the emulated model takes its turn. */
  turnSilenceMs: number;
  /** §8.1: the session lives this long (`expires_at`), then closes with `reason:"expired"`. */
  sessionMaxMs: number;
  /** How often `session.usage.updated` reports the cumulative voice seconds. */
  usageIntervalMs: number;
  /**
   * §3.3d / §8.6: a `session.commentary.append` with `delegation_id:null` while the model is
   * not speaking makes it take a turn (C-lk's "speak now" path; also how typed text is answered).
   */
  commentaryTakesTurn: boolean;
  /** The emulated model stops speaking when the caller's speech overlaps its own (§3.3c: it yields). */
  yieldsToCaller: boolean;
  /** §8.8: a command before `session.started` is answered with an `error` (true) or closes the socket (false). */
  errorBeforeStart: boolean;
  /** §8.9: a sideband attached to a SIP call's session gets `session.started` first (true) or no replay at all (false, as D-sbr says). */
  sidebandStarted: boolean;
  /** §6.2: tokens are estimated at this many characters each, for the append and instruction limits. */
  charsPerToken: number;
}

export const DEFAULT_LIVE_CHOICES: Readonly<LiveChoices> = Object.freeze({
  outputPace: 1,
  outputChunkMs: 100,
  turnSilenceMs: 500,
  sessionMaxMs: 3_600_000,
  usageIntervalMs: 5_000,
  commentaryTakesTurn: true,
  yieldsToCaller: true,
  errorBeforeStart: true,
  charsPerToken: 4,
  sidebandStarted: false,
});

/** §6.2 limits, in tokens. */
export const LIVE_LIMITS = Object.freeze({
  instructionsTokens: 16_384,
  appendTokens: 500,
  inputMessages: 128,
  inputTokens: 8_192,
  fixtureMs: 30_000,
  minMaxOutputTokens: 16,
});
