import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PCMU } from '../../audio/format.ts';
import { newSessionId } from '../ids.ts';
import { applySessionUpdate, defaultSession } from '../protocol/session-config.ts';
import { protocolError, type ProtocolError } from '../protocol/errors.ts';
import type { CallApi, SipCall, SipCalls } from './calls.ts';
import { checkAcceptConfig } from '../live/config.ts';
import type { LiveChoices } from '../live/options.ts';

// The Calls API of SIP calls (REALTIME_PROTOCOL.md §1.4): POST /v1/realtime/calls/{call_id}/
// accept | reject | refer | hangup, with standard-key bearer auth and OpenAI's REST error shape;
// and GPT-Live's (LIVE_PROTOCOL.md §1.4): POST /v1/live/sessions/{session_id}/… with the same
// actions, a strict `{session:{type:"live",…}}` accept and a required reject status (300–699).
// A call that is unknown or already over is a 404 (the docs: "a 404 on accept means the call has
// already gone"); an action the call's state does not allow is a 400. Codes marked [E] are the
// emulator's own: the live ones are not recorded.

const CALL_PATHS: Record<CallApi, RegExp> = {
  realtime: /^\/v1\/realtime\/calls\/([^/]+)\/(accept|reject|refer|hangup)$/,
  live: /^\/v1\/live\/sessions\/([^/]+)\/(accept|reject|refer|hangup)$/,
};
/** A session configuration with long instructions and many tools fits well within this. */
const MAX_BODY_BYTES = 1024 * 1024;
/** The Calls API refuses these for SIP sessions (agents-js, §1.4). */
const SIP_REFUSED_TURN_DETECTION = ['threshold', 'prefix_padding_ms', 'silence_duration_ms'] as const;

const rejectBody = z.strictObject({ status_code: z.number().int().min(400).max(699).optional() });
const referBody = z.strictObject({ target_uri: z.string().regex(/^(sips?|tel):\S+$/, 'a sip:, sips: or tel: URI') });
const liveRejectBody = z.strictObject({ status_code: z.number().int().min(300).max(699) });
const liveAcceptBody = z.strictObject({ session: z.unknown() });

export interface CallsApiInit {
  calls: SipCalls;
  apiKey: string | undefined;
  /** GPT-Live's limits and session lifetime, for a Live call's accept. */
  liveChoices: LiveChoices;
  sessionMaxMs: number;
  silenceMs: number;
}

type Answer = { status: number; error?: ProtocolError };

/** Answers a Calls API request; returns false when the path is not one (the caller 404s it). */
export function handleCallsRequest(req: http.IncomingMessage, res: http.ServerResponse, path: string, init: CallsApiInit): boolean {
  const api = (Object.keys(CALL_PATHS) as CallApi[]).find((name) => CALL_PATHS[name].test(path));
  const match = api === undefined ? null : CALL_PATHS[api].exec(path);
  if (!api || !match) return false;
  void answer(req, api, decodeURIComponent(match[1]), match[2] as 'accept' | 'reject' | 'refer' | 'hangup', init).then(({ status, error }) => {
    res.writeHead(status, error ? { 'content-type': 'application/json' } : {});
    res.end(error ? JSON.stringify({ error: { message: error.message, type: error.type, param: error.param, code: error.code } }) : undefined);
  });
  return true;
}

async function answer(req: http.IncomingMessage, api: CallApi, callId: string, action: 'accept' | 'reject' | 'refer' | 'hangup', init: CallsApiInit): Promise<Answer> {
  if (req.method !== 'POST') return { status: 405, error: protocolError(null, `Use POST for ${api === 'live' ? '/v1/live/sessions/{session_id}' : '/v1/realtime/calls/{call_id}'}/${action}.`) };
  const auth = authProblem(req.headers.authorization, init.apiKey);
  if (auth) return { status: 401, error: auth };
  const body = await readJson(req);
  if (!body.ok) return { status: 400, error: body.error };
  const call = init.calls.get(callId);
  // A call offered to one API is not found through the other's endpoints.
  if (!call || call.ended || call.api !== api) {
    // [E] code
    return { status: 404, error: protocolError('call_not_found', `No active call found with id '${callId}'.`, api === 'live' ? 'session_id' : 'call_id') };
  }
  const outcome = api === 'live' ? actLive(call, action, body.value, init) : act(call, action, body.value, init);
  call.record({ action, status: outcome.status, body: body.value });
  return outcome;
}

function act(call: SipCall, action: 'accept' | 'reject' | 'refer' | 'hangup', body: unknown, init: CallsApiInit): Answer {
  switch (action) {
    case 'accept': {
      if (call.state !== 'ringing') return wrongState(call, 'accepted');
      const refused = sipRefusedField(body);
      if (refused) return { status: 400, error: refused };
      const start = defaultSession(newSessionId(), 'gpt-realtime', Math.round((Date.now() + init.sessionMaxMs) / 1000), init.silenceMs);
      // The SIP leg is G.711 u-law [E]: the session's formats, unless the accept names others.
      start.audio.input.format = PCMU;
      start.audio.output.format = PCMU;
      const result = applySessionUpdate(start, body ?? undefined, { kind: 'realtime', assistantAudioPresent: false, silenceMs: init.silenceMs });
      if (!result.ok) return { status: 400, error: restError(result.error) };
      const model = (body as { model?: unknown }).model;
      call.accept({ ...result.session, model: typeof model === 'string' ? model : result.session.model });
      return { status: 200 };
    }
    case 'reject': {
      if (call.state !== 'ringing') return wrongState(call, 'rejected');
      const parsed = rejectBody.safeParse(body ?? {});
      if (!parsed.success) return { status: 400, error: zodError(parsed.error) };
      call.end('rejected');
      return { status: 200 };
    }
    case 'refer': {
      if (call.state !== 'accepted' || call.referredTo !== undefined) return wrongState(call, 'transferred');
      const parsed = referBody.safeParse(body);
      if (!parsed.success) return { status: 400, error: zodError(parsed.error) };
      call.refer(parsed.data.target_uri);
      return { status: 200 };
    }
    case 'hangup':
      call.end('ended');
      return { status: 200 };
  }
}

/** GPT-Live's control endpoints: the accept starts the call's Live session from its strict startup config. */
function actLive(call: SipCall, action: 'accept' | 'reject' | 'refer' | 'hangup', body: unknown, init: CallsApiInit): Answer {
  switch (action) {
    case 'accept': {
      if (call.state !== 'ringing') return wrongState(call, 'accepted');
      const envelope = liveAcceptBody.safeParse(body ?? {});
      if (!envelope.success) return { status: 400, error: zodError(envelope.error) };
      if (envelope.data.session === undefined) return { status: 400, error: protocolError('missing_required_parameter', "Missing required parameter: 'session'.", 'session') };
      const checked = checkAcceptConfig(envelope.data.session, init.liveChoices);
      if (!checked.ok) return { status: 400, error: protocolError(checked.error.code, checked.error.message, checked.error.param ?? null, checked.error.type) };
      const config = checked.value;
      call.acceptLive({
        id: call.id,
        model: config.model,
        status: 'active',
        expires_at: Math.floor((Date.now() + init.liveChoices.sessionMaxMs) / 1000),
        // No format: SIP negotiated it; the voice is the startup one.
        audio: { output: { voice: config.audio?.output?.voice ?? 'marin' } },
        delegation: config.delegation ?? { type: 'client' },
        instructions: config.instructions ?? null,
        input: config.input ?? [],
        triggers: config.triggers ?? [],
        store: config.store ?? false,
      });
      return { status: 200 };
    }
    case 'reject': {
      if (call.state !== 'ringing') return wrongState(call, 'rejected');
      const parsed = liveRejectBody.safeParse(body ?? {});
      if (!parsed.success) return { status: 400, error: zodError(parsed.error) };
      call.end('rejected');
      return { status: 200 };
    }
    case 'refer':
    case 'hangup':
      return act(call, action, body, init);
  }
}

/** [E] code and wording. */
function wrongState(call: SipCall, wanted: string): Answer {
  return { status: 400, error: protocolError('invalid_call_state', `Call '${call.id}' is ${call.state} and cannot be ${wanted}.`, 'call_id') };
}

function sipRefusedField(body: unknown): ProtocolError | undefined {
  const turnDetection = (body as { audio?: { input?: { turn_detection?: unknown } } } | null)?.audio?.input?.turn_detection;
  if (typeof turnDetection !== 'object' || turnDetection === null) return undefined;
  const field = SIP_REFUSED_TURN_DETECTION.find((name) => name in turnDetection);
  if (!field) return undefined;
  const param = `audio.input.turn_detection.${field}`;
  return protocolError('unsupported_parameter', `'${param}' is not supported for SIP sessions.`, param);
}

/** The session validator speaks of `session.…` (a session.update); the Calls API body is the session itself. */
function restError(error: ProtocolError): ProtocolError {
  return { ...error, param: error.param?.replace(/^session\.?/, '') || null, message: error.message.replaceAll("'session.", "'") };
}

function zodError(error: z.ZodError): ProtocolError {
  const issue = error.issues[0];
  const param = issue.path.join('.') || null;
  return protocolError(issue.code === 'unrecognized_keys' ? 'unknown_parameter' : 'invalid_value', `Invalid '${param ?? 'body'}': ${issue.message}.`, param);
}

function authProblem(header: string | undefined, apiKey: string | undefined): ProtocolError | undefined {
  const key = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (!key) return protocolError(null, 'Missing bearer or basic authentication in header');
  if (apiKey === undefined) return undefined;
  const a = Buffer.from(key);
  const b = Buffer.from(apiKey);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b) ? undefined : protocolError('invalid_api_key', 'Incorrect API key provided.');
}

async function readJson(req: http.IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; error: ProtocolError }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).byteLength;
    if (bytes > MAX_BODY_BYTES) return { ok: false, error: protocolError(null, `The request body is larger than ${MAX_BODY_BYTES} bytes.`) };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: protocolError(null, 'We could not parse the JSON body of your request.') };
  }
}
