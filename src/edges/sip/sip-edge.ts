import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { NotFoundError } from 'openai';
import type OpenAI from 'openai';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import { VgError } from '../../errors.ts';
import type { CallerDetails, ClientEvent, EdgeEvents, EdgeTransport } from '../edge.ts';

/**
 * The call control the edge uses, on the API the call was offered to: Realtime's Calls API
 * (`realtime.calls`, `/v1/realtime/calls/{call_id}/…`) or GPT-Live's (`live.sessions`, `/v1/live/sessions/{id}/…`).
 */
export type CallControl =
  | { api: 'realtime'; calls: Pick<OpenAI['realtime']['calls'], 'accept' | 'reject' | 'refer' | 'hangup'> }
  | { api: 'live'; sessions: Pick<OpenAI['live']['sessions'], 'accept' | 'reject' | 'refer' | 'hangup'> };

/** SIP statuses of a call the gateway will not take. */
const BUSY_HERE = 486;
const SERVICE_UNAVAILABLE = 503;

type CallState = 'ringing' | 'accepted' | 'transferred' | 'ended';

/**
 * One OpenAI SIP call. The audio flows between the carrier and OpenAI, never through the gateway
 * (`media: 'none'`); the session drives the call over its sideband connection and, through this
 * edge, the Calls API: accept with the session's configuration, REFER to a person, hang up. There
 * is no client socket: what the session tells a client is only logged, at debug.
 */
export class SipEdge extends EventEmitter<EdgeEvents> implements EdgeTransport {
  readonly kind = 'sip' as const;
  readonly media = 'none' as const;
  readonly caller: CallerDetails;
  readonly callId: string;
  readonly #calls: CallControl;
  readonly #log: FastifyBaseLogger;
  #state: CallState = 'ringing';
  #closed = false;

  constructor(init: { callId: string; caller: CallerDetails; calls: CallControl; log: FastifyBaseLogger }) {
    super();
    this.callId = init.callId;
    this.caller = init.caller;
    this.#calls = init.calls;
    this.#log = init.log;
  }

  async acceptCall(session: CallAcceptParams): Promise<void> {
    const control = this.#calls;
    if (control.api !== 'realtime') throw new Error('a GPT-Live call cannot be accepted with a Realtime session');
    await this.#gone(control.calls.accept(this.callId, session));
    this.#accepted();
  }

  async acceptLiveCall(session: SessionAcceptParams.Session): Promise<void> {
    const control = this.#calls;
    if (control.api !== 'live') throw new Error('a Realtime call cannot be accepted with a GPT-Live session');
    await this.#gone(control.sessions.accept(this.callId, { session }));
    this.#accepted();
  }

  /** "A 404 on accept means the call has already gone" (§1.4): the caller hung up; nothing is left to refuse. */
  async #gone(accepting: Promise<unknown>): Promise<void> {
    try {
      await accepting;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      this.#state = 'ended';
      throw new VgError('VG_ERR_CALL_GONE', 'the caller hung up before the call was answered', { cause: err });
    }
  }

  #accepted(): void {
    if (this.#closed) {
      // Ended while the accept was on its way (a drain, a shutdown): the call it put up is hung up, not left up.
      void this.#hangUp().catch((err: unknown) => this.#log.warn({ err }, 'hanging up a call accepted after its end failed'));
      return;
    }
    this.#state = 'accepted';
    this.#log.info({ api: this.#calls.api }, 'SIP call accepted');
  }

  async transfer(targetUri: string): Promise<void> {
    const control = this.#calls;
    await (control.api === 'live' ? control.sessions.refer(this.callId, { target_uri: targetUri }) : control.calls.refer(this.callId, { target_uri: targetUri }));
    this.#state = 'transferred';
  }

  // No media at the gateway: the backend plays, clears and times the agent's audio itself.
  sendAudio(_payload: string): void {}
  clearAudio(): void {}
  playedMs(): number {
    return 0;
  }

  send(event: ClientEvent): void {
    this.#log.debug({ event: event.type }, 'SIP call event (no client channel)');
  }

  /** Ends the call: hung up once accepted, refused while ringing, left alone once transferred. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#endCall(reason);
    this.emit('close', reason);
  }

  async #hangUp(): Promise<void> {
    const control = this.#calls;
    await (control.api === 'live' ? control.sessions.hangup(this.callId) : control.calls.hangup(this.callId));
  }

  async #endCall(reason: string): Promise<void> {
    const state = this.#state;
    this.#state = 'ended';
    try {
      // A call that is already over (the caller hung up) has nothing left to hang up.
      const control = this.#calls;
      if (state === 'accepted' && reason !== 'call_ended') {
        await this.#hangUp();
      } else if (state === 'ringing') {
        const status = { status_code: reason === 'server_shutdown' ? SERVICE_UNAVAILABLE : BUSY_HERE };
        await (control.api === 'live' ? control.sessions.reject(this.callId, status) : control.calls.reject(this.callId, status));
      }
      this.#log.info({ reason, was: state }, 'SIP call ended');
    } catch (err) {
      // The call may already be gone (the caller hung up): nothing left to end.
      this.#log.warn({ err, reason }, 'ending the SIP call failed');
    }
  }
}
