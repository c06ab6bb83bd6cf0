import type { RateLimitsUpdatedEvent, RealtimeResponseUsage } from 'openai/resources/realtime/realtime';

// Plausible token accounting (§5.3): nobody can check the emulator's numbers against a model,
// but clients show and budget them, so they scale with what was really said and heard.

/** ~4 characters per text token. */
export const textTokens = (chars: number): number => Math.ceil(chars / 4);
/** Input audio: ~10 tokens per second. */
export const inputAudioTokens = (ms: number): number => Math.ceil(ms / 100);
/** Output audio: ~12.5 tokens per second (the §5.3 capture: 91 audio tokens for ~30 text tokens). */
export const outputAudioTokens = (ms: number): number => Math.ceil(ms / 80);

export interface TokenCounts {
  text: number;
  audio: number;
}

export function buildUsage(input: TokenCounts, cached: number, output: TokenCounts): Required<RealtimeResponseUsage> {
  const inputTokens = input.text + input.audio;
  const outputTokens = output.text + output.audio;
  const cachedText = Math.min(cached, input.text);
  return {
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    input_token_details: {
      text_tokens: input.text,
      audio_tokens: input.audio,
      image_tokens: 0,
      cached_tokens: cached,
      cached_tokens_details: { text_tokens: cachedText, audio_tokens: cached - cachedText, image_tokens: 0 },
    },
    output_token_details: { text_tokens: output.text, audio_tokens: output.audio },
  };
}

/** Prompt caching works on 64-token blocks of the prefix shared with the previous response. */
export function cachedTokens(previousInput: number, input: number): number {
  return Math.floor(Math.min(previousInput, input) / 64) * 64;
}

const TOKENS_PER_MINUTE = 40_000;
const WINDOW_MS = 60_000;

/** A per-session tokens-per-minute window for `rate_limits.updated` (live captures show only `tokens`). */
export class RateLimitWindow {
  #spent: Array<{ at: number; tokens: number }> = [];

  record(tokens: number, now = Date.now()): RateLimitsUpdatedEvent.RateLimit[] {
    this.#spent = this.#spent.filter((entry) => now - entry.at < WINDOW_MS);
    this.#spent.push({ at: now, tokens });
    const used = this.#spent.reduce((sum, entry) => sum + entry.tokens, 0);
    const remaining = Math.max(0, TOKENS_PER_MINUTE - used);
    const resetSeconds = Math.round((used / TOKENS_PER_MINUTE) * WINDOW_MS) / 1000;
    return [{ name: 'tokens', limit: TOKENS_PER_MINUTE, remaining, reset_seconds: resetSeconds }];
  }
}
