import type { Logger } from 'pino';
import type { McpLimits } from './mcp/limits.ts';
import type { SpeechSynthesizer } from './speech/index.ts';
import type { ConversationScript } from './responder/script.ts';
import type { WebhookTarget } from './sip/place-call.ts';
import type { LiveChoices } from './live/options.ts';

/**
 * Latencies and pace of the emulated service. Defaults are the observations of
 * REALTIME_PROTOCOL.md §4.7 (one vantage point: relative hints, not contracts). Tests pass
 * small values. Every field is in milliseconds except `audioPace`.
 */
export interface EmulatorTiming {
  /** `session.update` → `session.updated` (observed ~260 ms). */
  sessionUpdatedMs: number;
  /** `input_audio_buffer.commit` → `committed` (observed ~150 ms). */
  committedMs: number;
  /** A too-small commit's error arrives late, after later events (observed ~0.8–1 s). */
  commitEmptyErrorMs: number;
  /** `response.create` → `response.created` (observed ~280 ms). */
  responseCreatedMs: number;
  /** `response.created` → first content delta (observed ~200 ms more). */
  firstDeltaMs: number;
  /** `response.done` → `rate_limits.updated` (observed ~40 ms). */
  rateLimitsMs: number;
  /** Commit → input transcription `.completed`, sent asynchronously like the separate ASR model. */
  transcriptionMs: number;
  /** Output audio per `response.output_audio.delta`. */
  audioChunkMs: number;
  /** Audio streams this many times faster than real time (the service is faster than real time); 0 = no pacing. */
  audioPace: number;
  /** Between `response.output_text.delta` events in text mode. */
  textDeltaMs: number;
  /** Idle WebSocket PING (observed every ~20.26 s). */
  pingIntervalMs: number;
}

export const DEFAULT_TIMING: Readonly<EmulatorTiming> = Object.freeze({
  sessionUpdatedMs: 260,
  committedMs: 150,
  commitEmptyErrorMs: 800,
  responseCreatedMs: 280,
  firstDeltaMs: 200,
  rateLimitsMs: 40,
  transcriptionMs: 300,
  audioChunkMs: 100,
  audioPace: 2,
  textDeltaMs: 25,
  pingIntervalMs: 20_260,
});

/**
 * Answers to questions REALTIME_PROTOCOL.md leaves open ("Gaps and uncertainties"); the
 * defaults are what live captures show, or the usual behaviour.
 */
export interface ProtocolChoices {
  /** Default `silence_duration_ms` of server_vad: 200 as observed (the docs say 500). */
  defaultSilenceDurationMs: number;
  /** Send the beta-era `conversation.created` after `session.created` (not seen in GA captures). */
  conversationCreated: boolean;
  /** Send `output_audio_transcript.done` before `output_audio.done` (the order is not guaranteed). */
  transcriptDoneFirst: boolean;
}

export const DEFAULT_CHOICES: Readonly<ProtocolChoices> = Object.freeze({
  defaultSilenceDurationMs: 200,
  conversationCreated: false,
  transcriptDoneFirst: false,
});

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** `true` makes a self-signed certificate for 127.0.0.1/localhost at start and serves wss://. */
  tls?: boolean | { cert: string; key: string };
  /** When set, the bearer key must match (else `invalid_api_key` and close 3000). */
  apiKey?: string;
  /** A conversation script, or the path of a `.json` one; default: the default responder. */
  script?: ConversationScript | string;
  /** Default 3_600_000: then `session_expired` and close 1001. */
  sessionMaxMs?: number;
  timing?: Partial<EmulatorTiming>;
  /** Where the protocol is unsure; defaults in DEFAULT_CHOICES. */
  choices?: Partial<ProtocolChoices>;
  /** Largest accepted client event; default 15 MiB of audio in base64 plus an envelope (§3.2). */
  maxEventBytes?: number;
  logger?: Logger;
  /** Shared across sessions; created (and closed by close()) when absent. */
  synthesizer?: SpeechSynthesizer;
  /** Deadlines and size limits for the remote MCP servers sessions name; defaults in DEFAULT_MCP_LIMITS. */
  mcp?: Partial<McpLimits>;
  /** Where simulated SIP calls post their signed `realtime.call.incoming` (see docs/emulator.md). */
  webhook?: WebhookTarget;
  /** GPT-Live (`/v1/live/sessions`): answers to the reference's open questions; defaults in DEFAULT_LIVE_CHOICES. */
  liveChoices?: Partial<LiveChoices>;
}

/** 15 MiB of audio is 20 MiB of base64; 64 KiB more covers the JSON around it. */
export const DEFAULT_MAX_EVENT_BYTES = Math.ceil((15 * 1024 * 1024 * 4) / 3) + 64 * 1024;

export const DEFAULT_SESSION_MAX_MS = 3_600_000;
