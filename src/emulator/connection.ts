import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { Conversation } from './conversation.ts';
import type { SessionContext } from './context.ts';
import { appendAudio, clearBuffer, commitBuffer, idleTimeout, translationOnly } from './handlers/input-audio.ts';
import { createItem, deleteItem, retrieveItem, truncateItem } from './handlers/items.ts';
import { cancelResponse, createResponse } from './handlers/responses.ts';
import { updateSession } from './handlers/session-update.ts';
import { base62, newEventId, newSessionId } from './ids.ts';
import { InputAudioBuffer } from './input-buffer.ts';
import { DEFAULT_MCP_LIMITS, type McpLimits } from './mcp/limits.ts';
import { SessionMcp } from './mcp/session-mcp.ts';
import type { EmulatorTiming, ProtocolChoices } from './options.ts';
import { clientEventId, parseClientEvent, type ClientEvent } from './protocol/client-events.ts';
import { binaryFrame, eventTooLarge, invalidJson, serverError, sessionExpired, type ProtocolError } from './protocol/errors.ts';
import type { ServerEvent } from './protocol/server-events.ts';
import { defaultSession, sessionToWire, type SessionKind, type SessionObject } from './protocol/session-config.ts';
import { Responder } from './responder/responder.ts';
import type { LoadedScript } from './responder/script.ts';
import { ResponseRegistry } from './response/registry.ts';
import { RateLimitWindow } from './response/usage.ts';
import type { SpeechSynthesizer } from './speech/index.ts';
import { TurnDetector } from './turn-detection.ts';
import { CallLeg } from './sip/call-leg.ts';
import type { SipCall } from './sip/calls.ts';

// One emulated Realtime session on one WebSocket. Inbound frames and internal work (idle
// timeouts) go through a single queue, one step at a time, so events are answered in the order
// they came; responses stream beside that loop. Nothing a client sends can throw out of here.

export interface ConnectionInit {
  kind: SessionKind;
  model: string;
  logger: Logger;
  timing: EmulatorTiming;
  choices: ProtocolChoices;
  synthesizer: SpeechSynthesizer;
  script: LoadedScript | undefined;
  sessionMaxMs: number;
  maxEventBytes: number;
  /** Default DEFAULT_MCP_LIMITS. */
  mcp?: McpLimits;
  /** A sideband socket (`?call_id=`) of an accepted SIP call: it starts from the call's session. */
  call?: SipCall;
}

/**
 * The live service pads text, transcript and transcription deltas with an undocumented
 * `obfuscation` string (§4): sent here too, so clients prove they ignore unknown fields.
 */
const OBFUSCATED = new Set(['response.output_text.delta', 'response.output_audio_transcript.delta', 'conversation.item.input_audio_transcription.delta']);

/** Node fires longer timeouts at once; a session can only last this long (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Task = { kind: 'frame'; data: RawData; isBinary: boolean } | { kind: 'internal'; run: () => Promise<void> | void };

type State = 'open' | 'closing' | 'closed';

export class RealtimeConnection implements SessionContext {
  readonly kind: SessionKind;
  readonly logger: Logger;
  readonly timing: EmulatorTiming;
  readonly choices: ProtocolChoices;
  readonly synthesizer: SpeechSynthesizer;
  readonly conversation: Conversation;
  readonly buffer: InputAudioBuffer;
  readonly turns = new TurnDetector();
  readonly responder: Responder;
  readonly responses = new ResponseRegistry();
  readonly mcp: SessionMcp;
  readonly rateLimits = new RateLimitWindow();
  session: SessionObject;
  lastInputTokens = 0;

  readonly #ws: WebSocket;
  readonly #maxEventBytes: number;
  readonly #call: SipCall | undefined;
  /** The SIP leg, for a call's sideband socket: the agent's audio goes there, the caller's comes from it. */
  readonly #leg: CallLeg | undefined;
  #state: State = 'open';
  #queue: Task[] = [];
  #pumping = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #delays = new Set<() => void>();
  #idle: NodeJS.Timeout | null = null;
  #closed!: () => void;
  /** Resolves once the socket has closed and everything is torn down. */
  readonly closed = new Promise<void>((resolve) => (this.#closed = resolve));

  constructor(ws: WebSocket, init: ConnectionInit) {
    this.#ws = ws;
    this.kind = init.kind;
    this.timing = init.timing;
    this.choices = init.choices;
    this.synthesizer = init.synthesizer;
    this.#maxEventBytes = init.maxEventBytes;
    this.mcp = new SessionMcp(init.mcp ?? DEFAULT_MCP_LIMITS);
    const id = newSessionId();
    this.logger = init.logger.child({ sessionId: id });
    this.#call = init.call;
    this.session = init.call?.session
      ? structuredClone(init.call.session)
      : defaultSession(id, init.model, Math.round((Date.now() + init.sessionMaxMs) / 1000), init.choices.defaultSilenceDurationMs);
    this.buffer = new InputAudioBuffer(this.session.audio.input.format);
    // A call's sideband carries on the call's conversation; any other socket starts a new one.
    this.conversation = init.call?.conversation ?? new Conversation();
    this.responder = init.call?.responder ?? new Responder(init.call?.script ?? init.script, this.logger);
    if (init.call) Object.assign(init.call, { conversation: this.conversation, responder: this.responder });
    this.#leg = init.call ? new CallLeg(this, init.call, this) : undefined;
    init.call?.attach(this);

    ws.on('message', (data, isBinary) => this.#enqueue({ kind: 'frame', data, isBinary }));
    ws.on('close', (code) => this.#onClose(code));
    ws.on('error', (err) => this.logger.debug({ err }, 'socket error'));

    // session.created goes out at once, unprompted (§1.1); the detector loads meanwhile,
    // ahead of any frame in the queue.
    this.send({ type: 'session.created', session: sessionToWire(this.session, this.kind) });
    if (init.choices.conversationCreated) this.send({ type: 'conversation.created', conversation: { id: this.conversation.id, object: 'realtime.conversation' } });
    this.enqueue(() => this.turns.configure(this.session.audio.input.turn_detection, this.buffer.format, 0));
    if (init.timing.pingIntervalMs > 0) {
      const ping = setInterval(() => this.#ws.ping(randomBytes(4)), init.timing.pingIntervalMs);
      ping.unref();
      this.#timers.add(ping);
    }
    this.later(init.sessionMaxMs, () => {
      this.fail(sessionExpired(init.sessionMaxMs), null);
      this.close(1001, sessionExpired(init.sessionMaxMs).message);
    });
    this.logger.debug({ kind: this.kind, model: init.model }, 'session started');
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  send(event: ServerEvent): void {
    if (this.#state !== 'open') return;
    const { type, ...fields } = event;
    if (this.#leg?.swallows(event)) return;
    const padding = OBFUSCATED.has(type) ? { obfuscation: base62(randomInt(1, 17)) } : {};
    this.#ws.send(JSON.stringify({ type, event_id: newEventId(), ...fields, ...padding }));
    this.#leg?.sent(event);
  }

  fail(error: ProtocolError, eventId: string | null): void {
    this.logger.debug({ code: error.code, param: error.param }, 'error event');
    this.send({ type: 'error', error: { ...error, event_id: eventId } });
  }

  delay(ms: number): Promise<void> {
    if (!(ms > 0) || this.#state !== 'open') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#delays.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#delays.add(done);
    });
  }

  later(ms: number, fn: () => void): void {
    // A handler still finishing after the close must not leave timers behind.
    if (this.#state !== 'open') return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#state !== 'open') return;
      try {
        fn();
      } catch (err) {
        this.logger.error({ err }, 'timer task failed');
      }
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    timer.unref();
    this.#timers.add(timer);
  }

  enqueue(run: () => Promise<void> | void): void {
    this.#enqueue({ kind: 'internal', run });
  }

  armIdle(playbackEndsAt: number): void {
    const config = this.session.audio.input.turn_detection;
    if (config?.type !== 'server_vad' || config.idle_timeout_ms === null) return;
    this.cancelIdle();
    const idleMs = config.idle_timeout_ms;
    const armedAt = this.buffer.timelineMs;
    // The timer starts once the response's audio has played (§2.1), assumed in real time.
    const wait = Math.max(0, playbackEndsAt - performance.now()) + idleMs;
    this.#idle = setTimeout(() => {
      this.#idle = null;
      // The silent stretch ends now; with live audio flowing it began idleMs of audio ago.
      const startMs = Math.max(armedAt, this.buffer.timelineMs - idleMs);
      this.enqueue(() => idleTimeout(this, startMs));
    }, wait);
    this.#idle.unref();
  }

  cancelIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }

  /** A key the caller of this socket's SIP call pressed (§ DTMF: SIP only). */
  keypad(key: string): void {
    this.send({ type: 'input_audio_buffer.dtmf_event_received', event: key, received_at: Math.floor(Date.now() / 1000) });
  }

  /** Closes the socket (session expiry, server shutdown); the session is torn down at once. */
  close(code: number, reason: string): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#teardown();
    this.#ws.close(code, reason);
  }

  #enqueue(task: Task): void {
    if (this.#state !== 'open') return;
    this.#queue.push(task);
    if (!this.#pumping) void this.#pump();
  }

  /** The step loop: one task at a time, each fully answered before the next. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let task = this.#queue.shift(); task && this.#state === 'open'; task = this.#queue.shift()) {
        try {
          if (task.kind === 'internal') await task.run();
          else await this.#onFrame(task.data, task.isBinary);
        } catch (err) {
          this.logger.error({ err }, 'event handler failed');
          this.fail(serverError(), null);
        }
      }
    } finally {
      this.#pumping = false;
      // A detector made by a task that was running when the socket closed.
      if (this.#state !== 'open') this.turns.dispose();
    }
  }

  async #onFrame(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      this.fail(binaryFrame(), null);
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
    if (bytes.byteLength > this.#maxEventBytes) {
      this.fail(eventTooLarge(bytes.byteLength, this.#maxEventBytes), null);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      this.fail(invalidJson((err as Error).message), null);
      return;
    }
    const eventId = clientEventId(raw);
    // Only a call's sideband may clear the output buffer: the service plays the audio there (§3.11).
    if (this.#leg && (raw as { type?: unknown } | null)?.type === 'output_audio_buffer.clear') {
      this.#leg.clear();
      return;
    }
    const parsed = parseClientEvent(raw);
    if (!parsed.ok) {
      this.fail(parsed.error, eventId);
      return;
    }
    await this.#dispatch(parsed.event, eventId);
  }

  async #dispatch(event: ClientEvent, eventId: string | null): Promise<void> {
    switch (event.type) {
      case 'session.update':
        return updateSession(this, event.session, eventId);
      case 'input_audio_buffer.append':
        return appendAudio(this, event.audio, eventId);
      case 'input_audio_buffer.commit':
        return commitBuffer(this, eventId);
      case 'input_audio_buffer.clear':
        return clearBuffer(this);
      case 'conversation.item.create':
        return createItem(this, event.item, event.previous_item_id, eventId);
      case 'conversation.item.retrieve':
        return retrieveItem(this, event.item_id, eventId);
      case 'conversation.item.truncate':
        return truncateItem(this, event.item_id, event.content_index, event.audio_end_ms, eventId);
      case 'conversation.item.delete':
        return deleteItem(this, event.item_id, eventId);
      case 'response.create':
        return createResponse(this, event.response, { kind: 'client', eventId });
      case 'response.cancel':
        return cancelResponse(this, event.response_id, eventId);
      case 'session.close':
      case 'session.input_audio_buffer.append':
        return this.fail(translationOnly(event.type), eventId);
    }
  }

  #onClose(code: number): void {
    if (this.#state !== 'closed') this.logger.debug({ code }, 'session closed');
    this.#state = 'closed';
    this.#teardown();
    this.#closed();
  }

  #teardown(): void {
    this.#queue = [];
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const resolve of [...this.#delays]) resolve();
    this.cancelIdle();
    this.responses.abortAll();
    this.mcp.close();
    this.turns.dispose();
    this.#leg?.dispose();
    this.#call?.detach(this, this.session);
  }
}
