import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  betaShapeDisabled,
  conflictingTarget,
  invalidApiKey,
  invalidIntent,
  invalidModel,
  missingAuth,
  missingModel,
  type FatalError,
} from './protocol/errors.ts';
import { isRealtimeModel, type SessionKind } from './protocol/session-config.ts';

// Checks made after the 101, as the live service makes them (§1.1): a failure is an `error`
// event then a close, never an HTTP status, so clients meet the same failure path.

type Handshake = { ok: true; kind: SessionKind; model: string } | { ok: false; fatal: FatalError };

/** A sideband (`?call_id=`) session has no model in its URL; the emulator gives it this one. */
const SIDEBAND_MODEL = 'gpt-realtime';

const KEY_PROTOCOL = 'openai-insecure-api-key.';
const BETA_PROTOCOL = 'openai-beta.realtime-v1';

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return header ? header.split(',').map((p) => p.trim()).filter(Boolean) : [];
}

export function checkHandshake(req: IncomingMessage, url: URL, apiKey: string | undefined): Handshake {
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
  // There are no calls to attach to offline: a sideband socket gets a fresh realtime session.
  if (callId !== null) return { ok: true, kind: 'realtime', model: SIDEBAND_MODEL };
  if (!model) return { ok: false, fatal: missingModel() };
  if (!isRealtimeModel(model)) return { ok: false, fatal: invalidModel(model) };
  return { ok: true, kind: 'realtime', model };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
