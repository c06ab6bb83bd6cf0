import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  betaShapeDisabled,
  callNotActive,
  conflictingTarget,
  invalidApiKey,
  invalidIntent,
  invalidModel,
  missingAuth,
  missingModel,
  type FatalError,
} from './protocol/errors.ts';
import { isRealtimeModel, type SessionKind } from './protocol/session-config.ts';
import type { SipCall } from './sip/calls.ts';

// Checks made after the 101, as the live service makes them (§1.1): a failure is an `error`
// event then a close, never an HTTP status, so clients meet the same failure path.

type Handshake = { ok: true; kind: SessionKind; model: string; call?: SipCall } | { ok: false; fatal: FatalError };

/** A sideband (`?call_id=`) session has no model in its URL; the emulator gives it this one. */
const SIDEBAND_MODEL = 'gpt-realtime';

const KEY_PROTOCOL = 'openai-insecure-api-key.';
const BETA_PROTOCOL = 'openai-beta.realtime-v1';

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return header ? header.split(',').map((p) => p.trim()).filter(Boolean) : [];
}

export function checkHandshake(req: IncomingMessage, url: URL, apiKey: string | undefined, findCall: (id: string) => SipCall | undefined): Handshake {
  const protocols = offeredProtocols(req);
  // Servers use the Authorization header; browsers, which cannot set it, a subprotocol (§1.1).
  const key = bearerToken(req.headers.authorization) ?? protocols.find((p) => p.startsWith(KEY_PROTOCOL))?.slice(KEY_PROTOCOL.length);
  if (key === undefined || key === '') return { ok: false, fatal: missingAuth() };
  if (apiKey !== undefined && !sameKey(key, apiKey)) return { ok: false, fatal: invalidApiKey(key) };
  const beta = req.headers['openai-beta'];
  if ((typeof beta === 'string' && beta.includes('realtime=v1')) || protocols.includes(BETA_PROTOCOL)) {
    return { ok: false, fatal: betaShapeDisabled() };
  }
  const model = url.searchParams.get('model');
  const callId = url.searchParams.get('call_id');
  const intent = url.searchParams.get('intent');
  if (intent !== null && intent !== 'realtime' && intent !== 'transcription') return { ok: false, fatal: invalidIntent(intent) };
  const targets = [model, callId, intent === 'transcription' ? intent : null].filter((t) => t !== null).length;
  if (targets > 1) return { ok: false, fatal: conflictingTarget() };
  if (intent === 'transcription') return { ok: true, kind: 'transcription', model: '' };
  if (callId !== null) {
    const call = findCall(callId);
    // A call placed here attaches only once accepted; any other id (no call placed through this
    // emulator) gets a fresh realtime session, as before calls were emulated.
    if (!call) return { ok: true, kind: 'realtime', model: SIDEBAND_MODEL };
    if (call.state !== 'accepted') return { ok: false, fatal: callNotActive(callId, call.state) };
    return { ok: true, kind: 'realtime', model: call.session?.model ?? SIDEBAND_MODEL, call };
  }
  if (!model) return { ok: false, fatal: missingModel() };
  if (!isRealtimeModel(model)) return { ok: false, fatal: invalidModel(model) };
  return { ok: true, kind: 'realtime', model };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
