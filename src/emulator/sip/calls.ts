import { randomBytes } from 'node:crypto';
import type { LoadedScript } from '../responder/script.ts';
import type { SessionObject } from '../protocol/session-config.ts';
import type { Conversation } from '../conversation.ts';
import type { Responder } from '../responder/responder.ts';
import type { SessionResource } from 'openai/resources/live/live';
import { newLiveSessionId } from '../live/ids.ts';

// The SIP calls of one emulator (REALTIME_PROTOCOL.md §1.4, LIVE_PROTOCOL.md §1.4): a call rings
// until the Calls API accepts or rejects it; an accepted call takes one sideband socket
// (`?call_id=` on Realtime, `/v1/live/sessions/{id}/attach` on GPT-Live) at a time and ends when
// it is hung up, transferred (REFER) or the caller hangs up. A call is placed for one API: its
// webhook, id, control endpoints and sideband are that API's.

/** Which voice API a call is offered to (`realtime.call.incoming` or `live.transport.incoming`). */
export type CallApi = 'realtime' | 'live';

export type CallState = 'ringing' | 'accepted' | 'rejected' | 'transferred' | 'ended';

/** One Calls API request as the emulator answered it. */
export interface CallRequest {
  action: 'accept' | 'reject' | 'refer' | 'hangup';
  status: number;
  body: unknown;
}

/** What a call needs of the sideband session attached to it. */
export interface AttachedSession {
  close(code: number, reason: string): void;
  /** The caller pressed a key: the API's keypad event goes to the sideband. */
  keypad(key: string): void;
}

/** DTMF keys, as a phone's keypad sends them (the emulator keeps apart from the gateway's own check). */
const KEYPAD = /^[0-9A-D*#]+$/;

/** Calls kept at most (the oldest finished ones are forgotten first). */
const MAX_CALLS = 1_000;
/** From the answered REFER to the end of this leg of the call. */
const REFER_COMPLETES_MS = 100;
/** Requests kept per call, for tests and logs. */
const MAX_REQUESTS = 100;

export interface CallInit {
  /** Default realtime. */
  api?: CallApi;
  from: string;
  to: string;
  /** The caller's side and the model's, for this call only; default the emulator's script. */
  script?: LoadedScript;
  /** How many times faster than real time the caller hears the agent (the SIP leg's playback). */
  playbackSpeed: number;
}

export class SipCall {
  readonly api: CallApi;
  /** Realtime: `rtc_` + 32 hex characters, as SIP call ids look (§1.5); GPT-Live: the session's `live_…` id. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly script: LoadedScript | undefined;
  readonly playbackSpeed: number;
  readonly requests: CallRequest[] = [];
  #state: CallState = 'ringing';
  /** The call's session: accepted with it, then as its sideband sockets left it; each new socket starts from it. */
  #session: SessionObject | undefined;
  /** GPT-Live: the session the accept started (the sideband attaches to it). */
  #liveSession: SessionResource | undefined;
  /**
   * The conversation and the model's place in its script belong to the call, not to one socket:
   * a sideband that re-attaches finds them as the last one left them, as on the live service.
   */
  conversation: Conversation | undefined;
  responder: Responder | undefined;
  #referredTo: string | undefined;
  #attached: AttachedSession | undefined;
  readonly #waiters = new Set<{ states: readonly CallState[]; resolve: (state: CallState) => void }>();

  constructor(init: CallInit) {
    this.api = init.api ?? 'realtime';
    this.id = this.api === 'live' ? newLiveSessionId() : `rtc_${randomBytes(16).toString('hex')}`;
    this.from = init.from;
    this.to = init.to;
    this.script = init.script;
    this.playbackSpeed = init.playbackSpeed;
  }

  get state(): CallState {
    return this.#state;
  }

  get session(): SessionObject | undefined {
    return this.#session;
  }

  get liveSession(): SessionResource | undefined {
    return this.#liveSession;
  }

  /** The `target_uri` of the REFER that transferred the call. */
  get referredTo(): string | undefined {
    return this.#referredTo;
  }

  get ended(): boolean {
    return this.#state !== 'ringing' && this.#state !== 'accepted';
  }

  /** The SIP headers of the INVITE, as the webhook carries them. */
  sipHeaders(): { name: string; value: string }[] {
    return [
      { name: 'From', value: `<sip:${this.from}@sip.emulator.invalid>;tag=${randomBytes(4).toString('hex')}` },
      { name: 'To', value: `<sip:${this.to}@sip.api.openai.com>` },
      { name: 'Call-ID', value: `${randomBytes(8).toString('hex')}@sip.emulator.invalid` },
      { name: 'CSeq', value: '1 INVITE' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'Content-Type', value: 'application/sdp' },
    ];
  }

  record(request: CallRequest): void {
    if (this.requests.length < MAX_REQUESTS) this.requests.push(request);
  }

  accept(session: SessionObject): void {
    this.#session = session;
    this.#move('accepted');
  }

  acceptLive(session: SessionResource): void {
    this.#liveSession = session;
    this.#move('accepted');
  }

  /** The carrier takes the transfer a moment after the REFER is answered; then this call is over. */
  refer(targetUri: string): void {
    this.#referredTo = targetUri;
    setTimeout(() => this.end('transferred'), REFER_COMPLETES_MS).unref();
  }

  /** Ends the call; its sideband socket closes (1000). */
  end(state: Exclude<CallState, 'ringing' | 'accepted'>): void {
    if (this.ended) return;
    this.#move(state);
    const attached = this.#attached;
    this.#attached = undefined;
    attached?.close(1000, `call ${state}`);
  }

  /** The caller presses `keys` (DTMF), one keypad event each, to the sideband attached now. */
  press(keys: string): void {
    if (!KEYPAD.test(keys)) throw new Error(`${JSON.stringify(keys)}: not keypad keys (0-9, A-D, * and #)`);
    const attached = this.#attached;
    if (this.#state !== 'accepted' || !attached) throw new Error(`call ${this.id} is ${this.#state}${attached ? '' : ' with no sideband'}: nobody hears the keys`);
    for (const key of keys) attached.keypad(key);
  }

  /** A new sideband socket takes the call over; an earlier one stays open but hears no caller. */
  attach(session: AttachedSession): void {
    this.#attached = session;
  }

  isAttached(session: AttachedSession): boolean {
    return this.#attached === session;
  }

  /** The socket is gone; the session it configured is the call's from now on. */
  detach(session: AttachedSession, configured: SessionObject): void {
    if (!this.ended) this.#session = configured;
    if (this.#attached === session) this.#attached = undefined;
  }

  /** A GPT-Live sideband is gone; the call goes on (its session lives at the service). */
  leave(session: AttachedSession): void {
    if (this.#attached === session) this.#attached = undefined;
  }

  /** Resolves once the call is in one of `states` (at once if it is). */
  waitFor(...states: CallState[]): Promise<CallState> {
    if (states.includes(this.#state)) return Promise.resolve(this.#state);
    return new Promise((resolve) => this.#waiters.add({ states, resolve }));
  }

  #move(state: CallState): void {
    this.#state = state;
    for (const waiter of [...this.#waiters]) {
      if (!waiter.states.includes(state)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(state);
    }
  }
}

export class SipCalls {
  readonly #calls = new Map<string, SipCall>();

  add(call: SipCall): void {
    this.#calls.set(call.id, call);
    if (this.#calls.size <= MAX_CALLS) return;
    for (const [id, old] of this.#calls) {
      if (old.ended) {
        this.#calls.delete(id);
        return;
      }
    }
  }

  get(id: string): SipCall | undefined {
    return this.#calls.get(id);
  }

  endAll(): void {
    for (const call of this.#calls.values()) call.end('ended');
  }
}
