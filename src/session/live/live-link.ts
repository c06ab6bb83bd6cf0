import type { Logger } from 'pino';
import OpenAI from 'openai';
import { LiveWS } from 'openai/resources/live/ws';
import { SidebandWS } from 'openai/resources/live/sideband/ws';
import type { ConnectClientEvent, SidebandServerEvent } from 'openai/resources/live/sideband/sideband';
import type { ClientEvent, ServerEvent, SessionConfig, SessionResource, SessionUpdateConfig } from 'openai/resources/live/live';
import type { BackendTarget } from '../backend-link.ts';
import { HeldOutbox } from '../held-outbox.ts';
import { KEYPAD_KEY } from '../keypad.ts';
import { watchLiveness } from '../liveness.ts';

/** Longest wait for `session.closed` after `session.close` (C-lk waits 5 s; a hang-up should not). */
const CLOSE_WAIT_MS = 2_000;
/** Incoming frames above this close the connection (the SDK's default is unlimited). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Client events held while the link is down (typed text, push-to-talk, commentary); past it they are dropped. */
const MAX_HELD_EVENTS = 64;

export interface LiveLinkDeps {
  target: BackendTarget;
  /** Longest wait for `session.started`, and for each `session.updated`. */
  confirmTimeoutMs: number;
  /** A socket that sends nothing, not even a pong, for one to two of these is taken for dropped; 0: no pings. */
  pingIntervalMs: number;
  log: Logger;
  /** Caller audio held while the link is down (base64 characters); past it the oldest goes. */
  maxHeldAudioChars: number;
  /** Every server event of the session, in order. */
  onEvent: (event: ServerEvent) => void;
  /**
   * The connection ended without our asking; the link may be opened again. `closedReason` is the
   * `session.closed` reason when the service said why (`expired`, `content`, `remote_hangup`, …).
   */
  onLost: (detail: string, closedReason: string | undefined) => void;
  /** A session started, before what was held since a drop goes out (so it can be set up first). */
  onStarted?: () => void;
  /** A SIP caller pressed a key (a sideband's `transport.dtmf.received`), checked to be one. */
  onKeypad?: (key: string) => void;
}

/**
 * The backend link on GPT-Live: one session at a time on one primary WebSocket, through the
 * `openai` package's own LiveWS client. A new socket is a new session with no state (§1.1), so
 * after a drop the session opens the link again with where the call is now (live-restore.ts);
 * what the session sends meanwhile (the caller's audio, typed text, push-to-talk) is held,
 * bounded, and goes out in order once the new session has started. A SIP call's target is its
 * sideband (`/v1/live/sessions/{id}/attach`, §1.3): the session started at the accept and outlives
 * the socket, so the link attaches (and re-attaches) with the SDK's SidebandWS and confirms with a
 * `session.update`.
 */
export class LiveLink {
  readonly #deps: LiveLinkDeps;
  #ws: LiveWS | SidebandWS | undefined;
  #session: SessionResource | undefined;
  /** A session has started on the current socket and the socket is still open. */
  #up = false;
  #closing = false;
  readonly #held: HeldOutbox<ClientEvent>;
  /** Rejects when the current socket closes: what waits on it stops waiting. */
  #socketClosed: Promise<never> = new Promise(() => {});
  #nextId = 0;
  readonly #waiters = new Set<(event: ServerEvent) => void>();

  constructor(deps: LiveLinkDeps) {
    this.#deps = deps;
    this.#held = new HeldOutbox<ClientEvent>({ maxAudioChars: deps.maxHeldAudioChars, maxEvents: MAX_HELD_EVENTS });
  }

  /** A SIP call's sideband: the session lives at the service, so a new socket re-attaches to the same one. */
  get resumes(): boolean {
    return attachedSessionId(this.#deps.target.url) !== undefined;
  }

  /** Whether held caller audio had to be dropped since the last call (the caller should repeat); resets. */
  takeDroppedAudio(): boolean {
    const dropped = this.#held.droppedAudioChars > 0;
    this.#held.droppedAudioChars = 0;
    return dropped;
  }

  /**
   * Opens a session with its startup configuration; resolves on `session.started`, after the
   * audio held since a drop went out. Called again after a drop, it opens a new session.
   */
  async open(config: SessionConfig): Promise<SessionResource> {
    if (this.#closing) throw new Error('the link is closed');
    const { target, log } = this.#deps;
    const client = new OpenAI({ apiKey: target.apiKey, baseURL: restBaseUrl(target.url), maxRetries: 0 });
    const socketOptions = { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: this.#deps.confirmTimeoutMs };
    const sessionId = attachedSessionId(target.url);
    const ws = sessionId === undefined ? new LiveWS(client, socketOptions) : new SidebandWS(client, { session_id: sessionId }, socketOptions);
    this.#ws = ws;
    this.#up = false;
    let closedReason: string | undefined;
    const socketClosed = new Promise<never>((_resolve, reject) => {
      ws.on('close', (code) => reject(new Error(`the Live backend closed the connection (${code})`)));
    });
    socketClosed.catch(() => {});
    this.#socketClosed = socketClosed;
    // Each handler serves its own socket only: a dropped socket's late events do not reach a newer session.
    ws.on('event', (event) => {
      if (this.#ws !== ws) return;
      // The SDK re-throws what a listener throws out of the socket's handler: a backend event that
      // breaks an assumption costs that event, never the process.
      try {
        this.#onEvent(event, (reason) => (closedReason = reason));
      } catch (err) {
        log.warn({ err: (err as Error).message, type: typeof event.type === 'string' ? event.type.slice(0, 64) : undefined }, 'malformed Live backend event dropped');
      }
    });
    // Errors arrive as events too (above); this keeps the SDK from raising them as rejections.
    ws.on('error', (err) => log.debug({ err: err.message }, 'live backend error'));
    ws.on('close', (code, reason) => {
      if (this.#ws !== ws) return;
      const wasUp = this.#up;
      this.#up = false;
      if (!this.#closing && wasUp) this.#deps.onLost(`closed ${code} ${reason}`, closedReason);
    });
    const id = this.#eventId();
    const confirmed = ws instanceof SidebandWS
      // No session.start (the accept started it) and no replay to count on (§8.9): the current
      // delegation config, sent again as a sparse update, confirms the attach.
      ? this.#await<SessionResource>((event, settle) => {
        if (event.type === 'session.updated' && event.client_event_id === id) settle.ok(event.session);
        else if (event.type === 'error' && event.client_event_id === id) settle.fail(new Error(`the Live sideband refused the session (${event.error.code})`));
        else if (event.type === 'error' && event.client_event_id === undefined) settle.fail(new Error(`the Live sideband refused the attach (${event.error.code})`));
      }, 'session.updated', () => socketClosed)
      : this.#await<SessionResource>((event, settle) => {
        if (event.type === 'session.started') settle.ok(event.session);
        else if (event.type === 'error' && event.client_event_id === id) settle.fail(new Error(`the Live backend refused the session (${event.error.code})`));
      }, 'session.started', () => socketClosed);
    if (ws instanceof SidebandWS) ws.send({ type: 'session.update', event_id: id, session: { delegation: config.delegation } });
    else ws.send({ type: 'session.start', event_id: id, session: config });
    try {
      this.#session = await confirmed;
    } catch (err) {
      // A failed attempt's socket is nobody's: its late events must not pass for the session's.
      if (this.#ws === ws) this.#ws = undefined;
      ws.close();
      throw err;
    }
    this.#up = true;
    if (this.#deps.pingIntervalMs > 0) watchLiveness(ws.socket.platformSocket, this.#deps.pingIntervalMs);
    this.#deps.onStarted?.();
    for (const item of this.#held.take()) {
      if (item.kind === 'audio') this.appendAudio(item.payload);
      else if (item.kind === 'event') this.send(item.event);
    }
    return this.#session;
  }

  #onEvent(event: ServerEvent | SidebandServerEvent, closed: (reason: string) => void): void {
    if (event.type === 'transport.dtmf.received') {
      const key: unknown = event.event;
      if (typeof key === 'string' && KEYPAD_KEY.test(key)) this.#deps.onKeypad?.(key);
      else this.#deps.log.debug('transport.dtmf.received without one keypad key; dropped');
      return;
    }
    // Reflected caller audio (a sideband's `session.input_audio.append`) is the SIP leg's, not the session's.
    if ((event.type as string) === 'session.input_audio.append' || event.type.startsWith('transport.')) return;
    const live = event as ServerEvent;
    if (live.type === 'session.closed') closed(live.reason);
    for (const waiter of this.#waiters) waiter(live);
    this.#deps.onEvent(live);
  }

  /** Sent on the open session; held while a dropped link is being restored (bounded), dropped before the first start. */
  send(event: ClientEvent): void {
    if (this.#closing) return;
    if (this.#up) this.#sendNow(event);
    else if (this.#session) this.#held.push({ kind: 'event', event });
  }

  appendAudio(payload: string): void {
    if (this.#closing) return;
    if (this.#up) this.#sendNow({ type: 'session.input_audio.append', audio: payload });
    else if (this.#session) this.#held.push({ kind: 'audio', payload });
  }

  /** A sparse `session.update`; true once the backend answers `session.updated`, false on its error or silence. */
  async update(session: SessionUpdateConfig): Promise<boolean> {
    if (!this.#up) return false;
    const id = this.#eventId();
    const verdict = this.#await<boolean>((event, settle) => {
      if (event.type === 'session.updated' && event.client_event_id === id) settle.ok(true);
      else if (event.type === 'error' && event.client_event_id === id) settle.ok(false);
    }, 'session.updated', () => this.#socketClosed).catch(() => false);
    this.send({ type: 'session.update', event_id: id, session });
    return verdict;
  }

  /** `session.close`, a short wait for `session.closed` (which carries the usage), then the socket closes. */
  async close(): Promise<void> {
    const ws = this.#ws;
    if (this.#closing) return;
    if (!ws) {
      // Closed before any socket (a SIP call's accept still on its way): nothing may open one now.
      this.#closing = true;
      return;
    }
    const closed = this.#up
      ? this.#await<void>((event, settle) => {
        if (event.type === 'session.closed') {
          this.#deps.log.info({ reason: event.reason, voice_seconds: event.usage.seconds }, 'live session closed');
          settle.ok();
        }
      }, 'session.closed', undefined, CLOSE_WAIT_MS).catch(() => {})
      : Promise.resolve();
    if (this.#up) ws.send({ type: 'session.close' });
    this.#closing = true;
    this.#held.take();
    await closed;
    ws.close();
  }

  #sendNow(event: ClientEvent): void {
    const ws = this.#ws;
    if (ws instanceof SidebandWS) ws.send(event as ConnectClientEvent);
    else ws?.send(event);
  }

  #eventId(): string {
    this.#nextId += 1;
    return `vg_${this.#nextId}`;
  }

  /** Waits for the event `watch` settles on, at most the confirm timeout (or `timeoutMs`). */
  #await<T>(
    watch: (event: ServerEvent, settle: { ok: (value: T) => void; fail: (err: Error) => void }) => void,
    what: string,
    also?: () => Promise<never>,
    timeoutMs = this.#deps.confirmTimeoutMs,
  ): Promise<T> {
    let watcher: ((event: ServerEvent) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const waiting = new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      watcher = (event) => watch(event, { ok: resolve, fail: reject });
      this.#waiters.add(watcher);
    });
    const raced = also ? Promise.race([waiting, also()]) : waiting;
    return raced.finally(() => {
      clearTimeout(timer);
      if (watcher) this.#waiters.delete(watcher);
    });
  }
}

/** The Live sessions path at the end of a URL, a sideband's (`…/{id}/attach`) included. */
const LIVE_PATH = /\/live\/sessions(\/[^/]+\/attach)?\/?$/;

/** `wss://host/v1/live/sessions` → `https://host/v1`: the REST base the SDK builds its socket URL from. */
export function restBaseUrl(liveUrl: string): string {
  const url = new URL(liveUrl);
  url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
  url.pathname = url.pathname.replace(LIVE_PATH, '');
  url.search = '';
  return url.toString().replace(/\/$/, '');
}

const ATTACH_PATH = /\/live\/sessions\/([^/]+)\/attach\/?$/;

/** The session a sideband URL attaches to, or undefined for the primary socket. */
function attachedSessionId(liveUrl: string): string | undefined {
  const id = ATTACH_PATH.exec(new URL(liveUrl).pathname)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}

/** A SIP call's Live sideband (LIVE_PROTOCOL.md §1.3): the same host and key, attached to the session the accept started. */
export function liveSidebandTarget(target: BackendTarget, sessionId: string): BackendTarget {
  const url = new URL(target.url);
  url.pathname = `${url.pathname.replace(LIVE_PATH, '')}/live/sessions/${encodeURIComponent(sessionId)}/attach`;
  url.search = '';
  return { ...target, url: url.toString() };
}
