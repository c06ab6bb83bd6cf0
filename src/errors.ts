/**
 * One catalogue of the gateway's own error codes. Each code carries the HTTP status and/or
 * WebSocket close code it maps to, so edges answer the same fault the same way.
 * (The emulator's Realtime-protocol errors are not here: they follow OpenAI's codes exactly.)
 */
export interface ErrorSpec {
  readonly message: string;
  readonly httpStatus?: number;
  readonly wsCloseCode?: number;
}

export const ERRORS = {
  VG_ERR_CONFIG: { message: 'Invalid configuration', httpStatus: 500 },
  VG_ERR_STATES_INVALID: { message: 'Invalid conversation-state file', httpStatus: 500 },
  VG_ERR_AGENT_INVALID: { message: 'Invalid agent definition', httpStatus: 500 },
  VG_ERR_SCRIPT_INVALID: { message: 'Invalid conversation script', httpStatus: 500 },
  VG_ERR_TOOL_ARGUMENTS: { message: 'Tool arguments do not match the tool schema' },
  VG_ERR_TOOL_FAILED: { message: 'Tool handler failed' },
  VG_ERR_TOOL_TIMEOUT: { message: 'Tool handler timed out' },
  /** An MCP call the approver refused (or left unanswered): it never ran. */
  VG_ERR_TOOL_DENIED: { message: 'Tool call not approved' },
  /** The backend's call of a remote MCP tool failed (the server was down, slow or answered an error). */
  VG_ERR_MCP_CALL_FAILED: { message: 'MCP tool call failed' },
  VG_ERR_TRANSITION_FAILED: { message: 'The conversation could not move to the next state' },
  VG_ERR_TOOL_INVALID: { message: 'Invalid tool definition', httpStatus: 500 },
  VG_ERR_BAD_FRAME: { message: 'Malformed client frame', wsCloseCode: 1007 },
  VG_ERR_FRAME_TOO_LARGE: { message: 'Client frame too large', wsCloseCode: 1009 },
  VG_ERR_PTT_TOO_SHORT: { message: 'Push-to-talk released too soon' },
  VG_ERR_PTT_NOT_PRESSED: { message: 'Push-to-talk released without a press' },
  VG_ERR_UNAUTHORIZED: { message: 'Missing or invalid access token', httpStatus: 401, wsCloseCode: 4001 },
  VG_ERR_BAD_SIGNATURE: { message: 'Missing or invalid request signature', httpStatus: 403 },
  /** A webhook whose Standard Webhooks signature is wrong or stale (OpenAI retries only on its own schedule). */
  VG_ERR_WEBHOOK_SIGNATURE: { message: 'Invalid or stale webhook signature', httpStatus: 401 },
  VG_ERR_BAD_REQUEST: { message: 'Malformed request', httpStatus: 400 },
  VG_ERR_BAD_SDP: { message: 'Invalid SDP offer', httpStatus: 400 },
  VG_ERR_UNSUPPORTED_MEDIA_TYPE: { message: 'Unsupported media type', httpStatus: 415 },
  VG_ERR_SESSION_NOT_FOUND: { message: 'No such session', httpStatus: 404 },
  VG_ERR_BACKEND: { message: 'Realtime backend failed', httpStatus: 502, wsCloseCode: 1011 },
  VG_ERR_RATE_LIMITED: { message: 'Too many new sessions from this address', httpStatus: 429 },
  VG_ERR_COOLING_OFF: { message: 'A device from this address broke a limit; no new session from it yet', httpStatus: 429 },
  VG_ERR_SESSION_LIMIT: { message: 'Too many sessions', httpStatus: 503, wsCloseCode: 1013 },
  VG_ERR_DRAINING: { message: 'The gateway is shutting down and takes no new sessions', httpStatus: 503, wsCloseCode: 1012 },
  /** A SIP call the Calls API no longer has when it is answered: the caller hung up while it rang. */
  VG_ERR_CALL_GONE: { message: 'The call ended before it could be answered' },
  VG_ERR_AUDIO_TOO_FAST: { message: 'Audio sent faster than real time', wsCloseCode: 1008 },
  VG_ERR_TOO_MANY_FRAMES: { message: 'Too many frames', wsCloseCode: 1008 },
  VG_ERR_RECORDS_UNAVAILABLE: { message: 'Call records are unavailable', httpStatus: 503 },
  /** Redis (REDIS_URL), or the replica that owns a session, did not answer. */
  VG_ERR_FLEET_UNAVAILABLE: { message: 'The replicas\' shared state did not answer', httpStatus: 503 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class VgError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus?: number;
  readonly wsCloseCode?: number;

  /** `detail` says what exactly was wrong; the catalogue message says which kind of fault it is. */
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message, options);
    this.name = 'VgError';
    this.code = code;
    this.httpStatus = spec.httpStatus;
    this.wsCloseCode = spec.wsCloseCode;
  }
}
