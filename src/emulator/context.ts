import type { Logger } from 'pino';
import type { Conversation } from './conversation.ts';
import type { InputAudioBuffer } from './input-buffer.ts';
import type { SessionMcp } from './mcp/session-mcp.ts';
import type { EmulatorTiming, ProtocolChoices } from './options.ts';
import type { ProtocolError } from './protocol/errors.ts';
import type { ServerEvent } from './protocol/server-events.ts';
import type { SessionKind, SessionObject } from './protocol/session-config.ts';
import type { Responder } from './responder/responder.ts';
import type { ResponseRegistry } from './response/registry.ts';
import type { RateLimitWindow } from './response/usage.ts';
import type { SpeechSynthesizer } from './speech/index.ts';
import type { TurnDetector } from './turn-detection.ts';

/** What the event handlers of one session see of it (the connection implements it). */
export interface SessionContext {
  readonly kind: SessionKind;
  readonly logger: Logger;
  readonly timing: EmulatorTiming;
  readonly choices: ProtocolChoices;
  readonly synthesizer: SpeechSynthesizer;
  readonly conversation: Conversation;
  readonly buffer: InputAudioBuffer;
  readonly turns: TurnDetector;
  readonly responder: Responder;
  readonly responses: ResponseRegistry;
  /** The session's remote MCP servers. */
  readonly mcp: SessionMcp;
  readonly rateLimits: RateLimitWindow;
  /** The effective session; replaced whole by an accepted `session.update`. */
  session: SessionObject;
  /** Input tokens of the previous response, for prompt-cache accounting. */
  lastInputTokens: number;
  readonly isOpen: boolean;
  send(event: ServerEvent): void;
  /** Sends an `error` event echoing the client's `event_id` (§4.8); the session carries on. */
  fail(error: ProtocolError, eventId: string | null): void;
  /** Resolves after `ms` (at once for 0, or when the connection closes). */
  delay(ms: number): Promise<void>;
  /** Runs `fn` after `ms` unless the connection closed first. */
  later(ms: number, fn: () => void): void;
  /** Runs `task` on the session's step loop, after the work already queued. */
  enqueue(task: () => Promise<void> | void): void;
  /** Arms the idle timeout after a response whose audio plays until `playbackEndsAt` (ms, performance clock). */
  armIdle(playbackEndsAt: number): void;
  cancelIdle(): void;
}
