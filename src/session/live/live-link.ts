import type { Logger } from 'pino';
import OpenAI from 'openai';
import { LiveWS } from 'openai/resources/live/ws';
import { SidebandWS } from 'openai/resources/live/sideband/ws';
import type { ConnectClientEvent } from 'openai/resources/live/sideband/sideband';
import type { ClientEvent, ServerEvent, SessionConfig, SessionResource, SessionUpdateConfig } from 'openai/resources/live/live';
import type { BackendTarget } from '../backend-link.ts';

/** Longest wait for `session.closed` after `session.close` (C-lk waits 5 s; a hang-up should not). */
const CLOSE_WAIT_MS = 2_000;
/** Incoming frames above this close the connection (the SDK's default is unlimited). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface LiveLinkDeps {
  target: BackendTarget;
  /** Longest wait for `session.started`, and for each `session.updated`. */
  confirmTimeoutMs: number;
  log: Logger;
  /** Every server event of the session, in order. */
  onEvent: (event: ServerEvent) => void;
  /** The connection ended without our asking (a drop, an expiry, `remote_hangup`: the caller hung up): the call cannot go on. */
  onLost: (reason: string) => void;
}

/**
 * The backend link on GPT-Live: one session on one primary WebSocket, through the `openai`
 * package's own LiveWS client. A new socket would be a new session with no state (§1.1), so a
 * drop ends the call rather than reconnecting (see README: what differs on Live). A SIP call's
 * target is its sideband (`/v1/live/sessions/{id}/attach`, §1.3): the session started at the
 * accept, so the link attaches with the SDK's SidebandWS and confirms with a `session.update`.
 */
export class LiveLink {
  readonly #deps: LiveLinkDeps;
  #ws: LiveWS | SidebandWS | undefined;
  #session: SessionResource | undefined;
  #closing = false;
  /** The reason of a `session.closed` the server sent first (`remote_hangup`: the caller hung up). */
  #closedReason: string | undefined;
  #nextId = 0;
  readonly #waiters = new Set<(event: ServerEvent) => void>();

  constructor(deps: LiveLinkDeps) {
    this.#deps = deps;
  }

  /** Opens the session with its startup configuration; resolves on `session.started` (a sideband: on `session.updated`). */
  async open(config: SessionConfig): Promise<SessionResource> {
    const { target } = this.#deps;
    const client = new OpenAI({ apiKey: target.apiKey, baseURL: restBaseUrl(target.url), maxRetries: 0 });
    const socketOptions = { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: this.#deps.confirmTimeoutMs };
    const sessionId = attachedSessionId(target.url);
    if (sessionId !== undefined) return this.#attach(new SidebandWS(client, { session_id: sessionId }, socketOptions), config);
    const ws = new LiveWS(client, socketOptions);
    this.#wire(ws);
    const id = this.#eventId();
    const started = this.#await<SessionResource>((event, settle) => {
      if (event.type === 'session.started') settle.ok(event.session);
      else if (event.type === 'error' && event.client_event_id === id) settle.fail(new Error(`the Live backend refused the session (${event.error.code})`));
    }, 'session.started', () => new Promise((_resolve, reject) => ws.on('close', (code) => reject(new Error(`the Live backend closed the connection (${code}) before starting the session`)))));
    ws.send({ type: 'session.start', event_id: id, session: config });
    this.#session = await started;
    return this.#session;
  }

  /**
   * A SIP call's sideband: no `session.start` (the accept started the session) and no replay to
   * count on (§8.9), so the current delegation config, sent again as a sparse update, confirms it.
   */
  async #attach(ws: SidebandWS, config: SessionConfig): Promise<SessionResource> {
    this.#wire(ws);
    const id = this.#eventId();
    const updated = this.#await<SessionResource>((event, settle) => {
      if (event.type === 'session.updated' && event.client_event_id === id) settle.ok(event.session);
      else if (event.type === 'error' && event.client_event_id === id) settle.fail(new Error(`the Live sideband refused the session (${event.error.code})`));
      else if (event.type === 'error' && event.client_event_id === undefined) settle.fail(new Error(`the Live sideband refused the attach (${event.error.code})`));
    }, 'session.updated', () => new Promise((_resolve, reject) => ws.on('close', (code) => reject(new Error(`the Live sideband closed (${code}) before it was confirmed`)))));
    ws.send({ type: 'session.update', event_id: id, session: { delegation: config.delegation } });
    this.#session = await updated;
    return this.#session;
  }

  #wire(ws: LiveWS | SidebandWS): void {
    this.#ws = ws;
    const { log } = this.#deps;
    ws.on('event', (event) => {
      // Reflected caller audio (a sideband's `session.input_audio.append`) is the SIP leg's, not the session's.
      if ((event.type as string) === 'session.input_audio.append' || event.type.startsWith('transport.')) return;
      const live = event as ServerEvent;
      if (live.type === 'session.closed') this.#closedReason = live.reason;
      for (const waiter of this.#waiters) waiter(live);
      this.#deps.onEvent(live);
    });
    // Errors arrive as events too (above); this keeps the SDK from raising them as rejections.
    ws.on('error', (err) => log.debug({ err: err.message }, 'live backend error'));
    ws.on('close', (code, reason) => {
      if (!this.#closing && this.#session) this.#deps.onLost(this.#closedReason ?? `closed ${code} ${reason}`);
    });
  }

  send(event: ClientEvent): void {
    if (this.#closing || !this.#ws) return;
    if (this.#ws instanceof SidebandWS) this.#ws.send(event as ConnectClientEvent);
    else this.#ws.send(event);
  }

  appendAudio(payload: string): void {
    this.send({ type: 'session.input_audio.append', audio: payload });
  }

  /** A sparse `session.update`; true once the backend answers `session.updated`, false on its error or silence. */
  async update(session: SessionUpdateConfig): Promise<boolean> {
    const id = this.#eventId();
    const verdict = this.#await<boolean>((event, settle) => {
      if (event.type === 'session.updated' && event.client_event_id === id) settle.ok(true);
      else if (event.type === 'error' && event.client_event_id === id) settle.ok(false);
    }, 'session.updated').catch(() => false);
    this.send({ type: 'session.update', event_id: id, session });
    return verdict;
  }

  /** `session.close`, a short wait for `session.closed` (which carries the usage), then the socket closes. */
  async close(): Promise<void> {
    const ws = this.#ws;
    if (!ws || this.#closing) return;
    const closed = this.#session
      ? this.#await<void>((event, settle) => {
        if (event.type === 'session.closed') {
          this.#deps.log.info({ reason: event.reason, voice_seconds: event.usage.seconds }, 'live session closed');
          settle.ok();
        }
      }, 'session.closed', undefined, CLOSE_WAIT_MS).catch(() => {})
      : Promise.resolve();
    if (this.#session) ws.send({ type: 'session.close' });
    this.#closing = true;
    await closed;
    ws.close();
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

/** `wss://host/v1/live/sessions` → `https://host/v1`: the REST base the SDK builds its socket URL from. */
export function restBaseUrl(liveUrl: string): string {
  const url = new URL(liveUrl);
  url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
  url.pathname = url.pathname.replace(/\/live\/sessions(\/[^/]+\/attach)?\/?$/, '');
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
  url.pathname = `${url.pathname.replace(/\/live\/sessions(\/[^/]+\/attach)?\/?$/, '')}/live/sessions/${encodeURIComponent(sessionId)}/attach`;
  url.search = '';
  return { ...target, url: url.toString() };
}
