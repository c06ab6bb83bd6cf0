import type { Logger } from 'pino';
import type { RealtimeAgent, RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { SessionContext } from './agent-runtime.ts';
import type { ConversationLog } from './conversation-log.ts';
import type { GatewayTransport } from './gateway-transport.ts';
import type { SdkSessionConfig } from './sdk-session-config.ts';
import { retry } from './retry.ts';

export interface BackendTarget {
  url: string;
  apiKey: string;
  model: string;
  /**
   * The backend keeps the conversation across connections (a SIP call's sideband re-attaches to
   * the call): a reconnect restores the configuration and what waited, not the items.
   */
  resumes?: boolean;
  /** Which voice API `url` speaks: the Realtime API (the default) or GPT-Live (`/v1/live/sessions`). */
  api?: 'realtime' | 'live';
  /** GPT-Live: the Responses model that runs the state machine and the tools (delegation). */
  delegationModel?: string;
}

/** How hard the link tries, and when it rolls over. */
export interface LinkPolicy {
  /** Longest wait for a connection to be confirmed (`session.created`, then our `session.updated`). */
  confirmTimeoutMs: number;
  /** The wait before each reconnect attempt; jittered by ±20 %. Its length is the number of attempts. */
  retryDelaysMs: readonly number[];
  /** A backend session is rolled over onto a new one this long before it expires (at most a fifth of its life). */
  rolloverLeadMs: number;
  /** A connection that sends nothing, not even a pong, for one to two of these is taken for dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_LINK_POLICY: LinkPolicy = {
  confirmTimeoutMs: 10_000,
  retryDelaysMs: [0, 250, 500, 1_000, 2_000, 4_000],
  rolloverLeadMs: 60_000,
  pingIntervalMs: 5_000,
};

/** A re-attach refused with one of these means the call is over, not that the backend is down (emulator and live service). */
const CALL_OVER_CODES = new Set(['call_not_active', 'call_not_found']);

class CallOver extends Error {
  readonly code: string;
  constructor(code: string) {
    super(`the call is over (${code})`);
    this.code = code;
  }
}

const LOST_INPUT_NOTE = 'The line dropped for a moment and part of what the caller said was lost. Briefly ask them to repeat it.';

export type LinkDownReason = 'dropped' | 'rollover';

export interface BackendLinkDeps {
  target: BackendTarget;
  transport: GatewayTransport;
  session: RealtimeSession<SessionContext>;
  config: SdkSessionConfig;
  conversation: ConversationLog;
  /** The SDK agent of the current agent and state: its configuration is what a restore re-sends. */
  currentAgent: () => RealtimeAgent<SessionContext>;
  /** True when the agent owes the caller an answer after a restore (the drop cut it off). */
  owesAnswer: () => boolean;
  /** True when nothing is being said or run: a good moment to roll over. */
  isQuiet: () => boolean;
  policy: LinkPolicy;
  log: Logger;
  onReconnecting: (reason: LinkDownReason) => void;
  onRestored: (reason: LinkDownReason, attempts: number) => void;
  /** Every attempt failed: the call cannot go on. */
  onLost: (reason: LinkDownReason, attempts: number) => void;
  /** A re-attach was refused because the call itself is over (a SIP call the caller hung up). */
  onCallOver: () => void;
}

/**
 * One logical backend conversation across physical connections. It opens the first connection
 * and waits for the backend to confirm it; when a connection drops (or its backend session nears
 * its time limit) it reconnects with back-off and restores the conversation onto the new one: the
 * current agent's configuration (one `session.update` through the SDK), the conversation so far as
 * items, and then everything the session sent meanwhile (held by the transport). The SDK session
 * above never sees the gap: a tool call that was running delivers its result to the new connection.
 */
export class BackendLink {
  readonly #deps: BackendLinkDeps;
  #closed = false;
  /** Reconnecting is for a conversation that exists: a first connection that fails just fails. */
  #opened = false;
  #downReason: LinkDownReason | undefined;
  #rolloverTimer: NodeJS.Timeout | undefined;
  /** Aborted at close: a restore in progress stops. */
  readonly #stop = new AbortController();
  /** Listeners of the connection being confirmed. */
  readonly #watchers = new Set<(event: RealtimeServerEvent) => void>();

  constructor(deps: BackendLinkDeps) {
    this.#deps = deps;
    deps.transport.on('connection_change', (status) => {
      if (status === 'disconnected' && this.#opened && !this.#closed && !this.#downReason) void this.#reconnect('dropped');
    });
  }

  /** Whether the link is down or being restored (the caller hears a pause). */
  get restoring(): boolean {
    return this.#downReason !== undefined;
  }

  /** The first connection; resolves once the backend has confirmed the session and its configuration. */
  async open(): Promise<void> {
    const { session, target, policy } = this.#deps;
    const confirmed = this.#confirmation(policy.confirmTimeoutMs);
    try {
      await withTimeout(session.connect({ apiKey: target.apiKey, url: target.url }), policy.confirmTimeoutMs, 'the backend connection');
      await confirmed.promise;
      this.#opened = true;
    } finally {
      confirmed.cancel();
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#rolloverTimer);
    this.#stop.abort();
  }

  async #reconnect(reason: LinkDownReason): Promise<void> {
    const { transport, log, policy } = this.#deps;
    this.#downReason = reason;
    clearTimeout(this.#rolloverTimer);
    transport.hold();
    log.warn({ reason }, 'backend connection down; restoring');
    this.#deps.onReconnecting(reason);
    const outcome = await retry(policy.retryDelaysMs, this.#stop.signal, async () => {
      try {
        await this.#connectAndRestore();
      } catch (err) {
        transport.close();
        throw err;
      }
    }, (err, attempt) => {
      if (err instanceof CallOver) {
        // Nothing to retry: the call this link attached to has ended (the caller hung up).
        log.info({ code: err.code, attempt }, 'the call is over; the link ends');
        return 'stop';
      }
      log.warn({ err, attempt }, 'backend reconnect attempt failed');
      return 'retry';
    });
    if (!outcome) return;
    if (outcome.ok) {
      this.#downReason = undefined;
      log.info({ reason, attempt: outcome.attempts }, 'backend connection restored');
      this.#deps.onRestored(reason, outcome.attempts);
    } else if (outcome.gaveUp) {
      this.#deps.onCallOver();
    } else {
      this.#deps.onLost(reason, outcome.attempts);
    }
  }

  async #connectAndRestore(): Promise<void> {
    const { transport, session, target, config, conversation, policy } = this.#deps;
    const confirmed = this.#confirmation(policy.confirmTimeoutMs);
    try {
      await withTimeout(transport.connect({
        apiKey: target.apiKey, url: target.url, model: target.model, // Tracing stays off as on the first connection: without the field the SDK turns it on ('auto').
        initialSessionConfig: { ...config.config, tracing: null },
      }), policy.confirmTimeoutMs, 'the backend connection');
      // The current agent and state: instructions, tools, and (merged by the SDK) formats, turn mode, voice.
      await session.updateAgent(this.#deps.currentAgent());
      await confirmed.promise;
    } finally {
      confirmed.cancel();
    }
    if (this.#closed) return;
    const items = target.resumes ? [] : conversation.restoreItems();
    for (const item of items) transport.sendRestoring({ type: 'conversation.item.create', item });
    const restoredOutputs = new Set(items.flatMap((item) => (item.type === 'function_call_output' ? [item.call_id] : [])));
    let owesAnswer = this.#deps.owesAnswer() && !transport.held?.holdsResponse;
    const held = transport.release(restoredOutputs);
    if (held && (held.droppedAudioChars > 0 || held.droppedEvents > 0)) {
      this.#deps.log.warn({ droppedAudioChars: held.droppedAudioChars, droppedEvents: held.droppedEvents }, 'held input dropped during the outage');
      // Not silently lost: the agent asks the caller to say it again.
      transport.sendEvent({ type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: LOST_INPUT_NOTE }] } });
      owesAnswer = true;
    }
    if (owesAnswer) transport.requestResponse();
  }

  /**
   * Resolves on `session.created` and then a `session.updated`; rejects on timeout, or as soon as
   * the connection closes unconfirmed (a backend that refuses after the upgrade, a wrong key: the
   * live service sends an `error` and closes), since no confirmation can come on it any more.
   */
  #confirmation(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    const { transport } = this.#deps;
    let created = false;
    let watcher: ((event: RealtimeServerEvent) => void) | undefined;
    let onStatus: ((status: string) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the backend did not confirm the session within ${timeoutMs} ms`)), timeoutMs);
      watcher = (event) => {
        if (event.type === 'session.created') created = true;
        else if (event.type === 'session.updated' && created) resolve();
        else if (event.type === 'error' && CALL_OVER_CODES.has(event.error.code ?? '')) reject(new CallOver(event.error.code ?? ''));
      };
      onStatus = (status) => {
        if (status === 'disconnected') reject(new Error('the backend closed the connection before confirming the session'));
      };
      this.#watchers.add(watcher);
      transport.on('connection_change', onStatus);
    });
    promise.catch(() => {});
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        if (watcher) this.#watchers.delete(watcher);
        if (onStatus) transport.off('connection_change', onStatus);
      },
    };
  }

  /**
   * Sends a configuration change and waits for the backend's verdict: true once it answers
   * `session.updated`, false when it refuses (an `error` about the session) or says nothing in
   * time. While the link is being restored the change waits in the hold, and the restore
   * re-sends the current configuration anyway: it counts as accepted.
   */
  async updateAccepted(send: () => Promise<unknown>): Promise<boolean> {
    if (this.#downReason) {
      await send();
      return true;
    }
    let watcher: ((event: RealtimeServerEvent) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const verdict = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#deps.policy.confirmTimeoutMs);
      watcher = (event) => {
        if (event.type === 'session.updated') resolve(true);
        else if (event.type === 'error' && (event.error.param ?? '').startsWith('session')) resolve(false);
      };
      this.#watchers.add(watcher);
    });
    try {
      await send();
      return await verdict;
    } finally {
      clearTimeout(timer);
      if (watcher) this.#watchers.delete(watcher);
    }
  }

  /** A (checked) backend event: confirmations, and the session's time limit from `session.created`. */
  serverEvent(event: RealtimeServerEvent): void {
    for (const watcher of this.#watchers) watcher(event);
    if (event.type !== 'session.created' || this.#closed) return;
    // The wire carries `expires_at` (unix seconds); the SDK's request type does not declare it.
    const expiresAt = (event.session as { expires_at?: unknown }).expires_at;
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return;
    // Whole seconds, perhaps rounded up: count the deadline a second early.
    const expiresAtMs = expiresAt * 1000 - 1_000;
    const lifeMs = expiresAtMs - Date.now();
    const lead = Math.min(this.#deps.policy.rolloverLeadMs, lifeMs / 5);
    // From `lead` before expiry, wait for a quiet moment; at a quarter of it, go anyway.
    const lastMomentMs = expiresAtMs - lead / 4;
    clearTimeout(this.#rolloverTimer);
    this.#rolloverTimer = setTimeout(() => this.#rollover(lastMomentMs), Math.max(0, lifeMs - lead));
    this.#rolloverTimer.unref();
  }

  /** Switches to a new backend session at a quiet moment, or at the last moment if none comes. */
  #rollover(lastMomentMs: number): void {
    if (this.#closed || this.#downReason) return;
    if (!this.#deps.isQuiet() && Date.now() < lastMomentMs) {
      this.#rolloverTimer = setTimeout(() => this.#rollover(lastMomentMs), Math.min(250, Math.max(1, lastMomentMs - Date.now())));
      this.#rolloverTimer.unref();
      return;
    }
    this.#downReason = 'rollover';
    this.#deps.transport.close();
    void this.#reconnect('rollover');
  }

}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
