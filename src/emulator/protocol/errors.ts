import type { RealtimeError } from 'openai/resources/realtime/realtime';

/**
 * The `error` object of the Realtime protocol, every field present (the wire always carries
 * `code`, `param` and `event_id`, null when empty). Messages are the live service's where
 * REALTIME_PROTOCOL.md §4.8 quotes them, else written in its style and marked [E].
 */
export type ProtocolError = Required<RealtimeError> & { code: string | null; param: string | null };

/** A handshake failure: the error event sent right after the 101, then this close (§1.1). */
export interface FatalError {
  readonly error: ProtocolError;
  readonly closeCode: number;
  readonly closeReason: string;
}

export function protocolError(code: string | null, message: string, param: string | null = null, type = 'invalid_request_error'): ProtocolError {
  return { type, code, message, param, event_id: null };
}

/** The close reason has the form `<error.type>.<error.code>` (just the type when code is null). */
function fatal(error: ProtocolError, closeCode: number): FatalError {
  return { error, closeCode, closeReason: error.code ? `${error.type}.${error.code}` : error.type };
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: the service's list style. */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

/** Strings as they are, anything else as JSON, the way the service echoes offending values. */
function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

// --- transport and envelope (§4.8) ---

export const invalidJson = (detail: string): ProtocolError =>
  protocolError('invalid_json', `Invalid event: failed to parse JSON value. ${detail}`);

export const binaryFrame = (): ProtocolError =>
  protocolError('invalid_event', 'Expected a text WebSocket message; binary frames are not supported.');

export const missingType = (): ProtocolError => protocolError('invalid_event', "The 'type' field is missing.");

/** [E] The live limit and its wording are unknown; the size is stated so a client can act on it. */
export const eventTooLarge = (bytes: number, max: number): ProtocolError =>
  protocolError('invalid_event', `Invalid event: the event is ${bytes} bytes, above the maximum of ${max} bytes.`);

export const notAnObject = (): ProtocolError =>
  protocolError('invalid_event', 'Invalid event: expected a JSON object.');

/** An emulator fault: reported the way the service reports its own, never fatal. */
export const serverError = (): ProtocolError =>
  protocolError(null, 'The server had an error while processing your request. Sorry about that!', null, 'server_error');

// --- parameters, in the OpenAI API's usual wording ---

export const unknownParameter = (param: string): ProtocolError =>
  protocolError('unknown_parameter', `Unknown parameter: '${param}'.`, param);

export const missingParameter = (param: string): ProtocolError =>
  protocolError('missing_required_parameter', `Missing required parameter: '${param}'.`, param);

export const invalidType = (param: string, expected: string, got: string): ProtocolError =>
  protocolError('invalid_type', `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`, param);

export const invalidValue = (param: string, value: unknown, supported: readonly string[]): ProtocolError =>
  protocolError('invalid_value', `Invalid value: '${showValue(value)}'. Supported values are: ${quoteList(supported)}.`, param);

/** For values that are wrong for a reason a supported-values list cannot express. */
export const invalidValueBecause = (param: string, reason: string): ProtocolError =>
  protocolError('invalid_value', `Invalid '${param}': ${reason}`, param);

export function outOfRange(param: string, value: number, bound: number, side: 'below_min' | 'above_max'): ProtocolError {
  const kind = Number.isInteger(value) && Number.isInteger(bound) ? 'integer' : 'decimal';
  const words = side === 'below_min' ? 'below minimum value' : 'above maximum value';
  const op = side === 'below_min' ? '>=' : '<=';
  return protocolError(
    `${kind}_${side}_value`,
    `Invalid '${param}': ${kind} ${words}. Expected a value ${op} ${bound}, but got ${value} instead.`,
    param,
  );
}

/** A string or array outside its length bounds; the two differ only in the noun. */
export function lengthError(kind: 'string' | 'array', param: string, length: number, bound: number, side: 'below_min' | 'above_max'): ProtocolError {
  const noun = kind === 'string' ? 'a string' : 'an array';
  const words = `${kind} ${side === 'below_min' ? 'too short' : 'too long'}`;
  const limit = side === 'below_min' ? 'minimum' : 'maximum';
  return protocolError(
    `${kind}_${side}_length`,
    `Invalid '${param}': ${words}. Expected ${noun} with ${limit} length ${bound}, but got ${noun} with length ${length} instead.`,
    param,
  );
}

// --- protocol rules (§3, §4.8) ---

export const commitEmpty = (ms: number): ProtocolError =>
  protocolError(
    'input_audio_buffer_commit_empty',
    `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
  );

export const activeResponse = (responseId: string): ProtocolError =>
  protocolError(
    'conversation_already_has_active_response',
    `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
  );

export const cancelNotActive = (): ProtocolError =>
  protocolError('response_cancel_not_active', 'Cancellation failed: no active response found');

export const cannotUpdateVoice = (): ProtocolError =>
  protocolError('cannot_update_voice', "Cannot update a conversation's voice if assistant audio is present.", 'session.audio.output.voice');

/** [E] wording. */
export const truncateInvalidItemId = (itemId: string): ProtocolError =>
  protocolError('item_truncate_invalid_item_id', `Error truncating item: the item with id '${itemId}' does not exist.`, 'item_id');

/** The message is the one reported in the wild (§4.5); the code is `invalid_value` as reported. */
export const truncateTooLong = (audioMs: number, endMs: number): ProtocolError =>
  protocolError('invalid_value', `Audio content of ${audioMs}ms is already shorter than ${endMs}ms`, 'audio_end_ms');

/** [E] code and wording. */
export const itemNotFound = (verb: 'retrieving' | 'deleting', itemId: string): ProtocolError =>
  protocolError(`item_${verb === 'retrieving' ? 'retrieve' : 'delete'}_invalid_item_id`, `Error ${verb} item: the item with id '${itemId}' does not exist.`, 'item_id');

export const sessionExpired = (maxMs: number): ProtocolError =>
  protocolError('session_expired', `Your session hit the maximum duration of ${formatMinutes(maxMs)} minutes.`);

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(2);
}

// --- handshake failures (§1.1): error event, then close ---

export const invalidApiKey = (key: string): FatalError =>
  fatal(
    protocolError(
      'invalid_api_key',
      `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    ),
    3000,
  );

export const missingAuth = (): FatalError =>
  fatal(protocolError(null, 'Missing bearer or basic authentication in header'), 3000);

export const missingModel = (): FatalError =>
  fatal(
    protocolError('missing_model', 'You must provide a model parameter, for example wss://api.openai.com/v1/realtime?model=gpt-realtime'),
    4000,
  );

export const invalidModel = (model: string): FatalError =>
  fatal(protocolError('invalid_model', `Model "${model}" is not supported in realtime mode.`, 'model'), 4000);

/** [E] wording; code and close are observed. */
export const betaShapeDisabled = (): FatalError =>
  fatal(
    protocolError(
      'beta_api_shape_disabled',
      "The Realtime API beta shape is disabled. Remove the 'OpenAI-Beta: realtime=v1' header to use the GA interface.",
    ),
    4000,
  );

/** [E] The SDKs enforce "exactly one of model, call_id, intent" client-side; the live reply is unknown. */
export const conflictingTarget = (): FatalError =>
  fatal(protocolError('invalid_request', "Provide exactly one of the 'model', 'call_id' or 'intent' query parameters."), 4000);

export const invalidIntent = (intent: string): FatalError =>
  fatal(protocolError('invalid_value', `Invalid value: '${intent}'. Supported values are: 'realtime' and 'transcription'.`, 'intent'), 4000);

/** [E] A sideband attach to a SIP call that is not (or no longer) accepted; the live reply is unknown. */
export const callNotActive = (callId: string, state: string): FatalError =>
  fatal(protocolError('call_not_active', `Call '${callId}' is ${state}; only an accepted call can be attached to.`, 'call_id'), 4000);

/** Like the service, show only the ends of a key. */
function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 40))}${key.slice(-4)}`;
}
