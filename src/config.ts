import { z } from 'zod';
import { VgError } from './errors.ts';
import { webrtcNetworkEnv, webrtcNetworkFrom, type WebrtcNetwork } from './edges/webrtc/network.ts';

/**
 * The gateway's configuration: read once from the environment, validated, frozen. Units are in
 * the names. Only main.ts calls loadConfig; tests build a Config directly.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Realtime backend: OpenAI when a key is set, else the embedded emulator. */
  readonly openaiApiKey?: string;
  /** Overrides the backend URL (OpenAI's or the emulator's). */
  readonly realtimeUrl?: string;
  readonly realtimeModel: string;
  /** Which voice API the sessions run on: the Realtime API (default) or GPT-Live. */
  readonly voiceApi: 'realtime' | 'live';
  /** GPT-Live: the voice model, the delegation backend's Responses model, and a URL override. */
  readonly liveModel: string;
  readonly liveDelegationModel: string;
  readonly liveUrl?: string;
  /** Device access tokens for the kiosk edge; empty = open. */
  readonly gatewayTokens: readonly string[];
  /**
   * HMAC key of the session tokens a deployment's backend mints for its browser page. With it, or
   * with gatewayTokens, POST /v1/webrtc needs a bearer token (a session token or a device token).
   */
  readonly webrtcTokenSecret?: string;
  readonly logLevel: string;
  /** Conversation script for the embedded emulator (a JSON file), or "none" for the default responder alone. */
  readonly emulatorScript?: string;
  /** The agent new sessions start with (a name from agents/index.ts); default the registry's startAgent. */
  readonly agent?: string;
  readonly maxSessions: number;
  /** New sessions one client address may open per minute, on each edge. */
  readonly sessionsPerMinute: number;
  /** How long an address whose device broke a limit waits before a new kiosk session (doubling on repeats); 0 = off. */
  readonly devicePenaltyS: number;
  readonly toolTimeoutMs: number;
  /** How long a client may take to send one HTTP request, headers and body (slow uploads are cut off). */
  readonly requestTimeoutMs: number;
  /** Longest wait for the backend to accept and confirm a session (first connection and each reconnect). */
  readonly backendTimeoutMs: number;
  /** How often the backend connection is pinged; one silent for one to two of these counts as dropped. */
  readonly backendPingMs: number;
  /** After SIGTERM, how long live calls may go on before they are ended with a goodbye. */
  readonly drainTimeoutS: number;
  /** The longest a call may last: then the agent says a short goodbye and it ends (`max_duration`); 0 = no limit. */
  readonly maxCallS: number;
  /** The phone edge: Twilio's auth token, which signs its webhooks; unset = the Twilio routes are off. */
  readonly twilioAuthToken?: string;
  /** The origin the world reaches this gateway at (Twilio signs URLs on it); required with Twilio. */
  readonly publicUrl?: string;
  /** The SIP edge: the secret OpenAI signs its webhooks with (`whsec_…`); unset = `POST /openai/webhook` is off. */
  readonly openaiWebhookSecret?: string;
  /** OpenAI's REST API (the Calls API of SIP calls), e.g. an emulator's `http://127.0.0.1:8787/v1`; default OpenAI's. */
  readonly openaiBaseUrl?: string;
  /** Call records on (the default) or off. */
  readonly records: boolean;
  /** Where the embedded SQLite records file lives (when no databaseUrl is set). */
  readonly dataDir: string;
  /** A PostgreSQL URL for the call records instead of the embedded SQLite file. */
  readonly databaseUrl?: string;
  /** Records older than this are pruned; 0 keeps them. */
  readonly recordsRetentionDays: number;
  /** Bearer token of the admin API (/v1/sessions); unset = the admin API is off (404). */
  readonly adminToken?: string;
  /** The browser edge's ICE servers, ports and addresses (WEBRTC_ICE_SERVERS, _PORT_RANGE, _INTERFACES, _ANNOUNCED_ADDRESS). */
  readonly webrtcNetwork?: WebrtcNetwork;
  /** Redis the replicas share (session directory, webhook de-duplication, rate limit, fleet limit); unset = all in process. */
  readonly redisUrl?: string;
  /** Sessions the whole fleet may hold, beside each replica's maxSessions (needs redisUrl); unset = no fleet-wide limit. */
  readonly fleetMaxSessions?: number;
  /** How long a dead replica's entries outlive its last heartbeat; default 15000. */
  readonly fleetTtlMs?: number;
}

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  REALTIME_URL: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
  REALTIME_MODEL: z.string().min(1).default('gpt-realtime'),
  VOICE_API: z.enum(['realtime', 'live']).default('realtime'),
  LIVE_MODEL: z.string().min(1).default('gpt-live-1'),
  LIVE_DELEGATION_MODEL: z.string().min(1).default('gpt-5.1'),
  LIVE_URL: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
  GATEWAY_TOKENS: z.string().optional(),
  WEBRTC_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters (it is an HMAC-SHA256 key)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EMULATOR_SCRIPT: z.string().min(1).optional(),
  AGENT: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,51}$/, 'must be an agent name (letters and digits), e.g. frontDesk').optional(),
  MAX_SESSIONS: positiveInt.default(500),
  SESSIONS_PER_MINUTE: positiveInt.default(60),
  DEVICE_PENALTY_S: z.coerce.number().min(0).default(10),
  TOOL_TIMEOUT_MS: positiveInt.default(10_000),
  REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
  BACKEND_TIMEOUT_MS: positiveInt.default(10_000),
  BACKEND_PING_MS: positiveInt.default(5_000),
  DRAIN_TIMEOUT_S: z.coerce.number().int().min(0).default(300),
  // A timer's longest delay (2^31 - 1 ms): past it Node would fire at once, ending every call.
  MAX_CALL_S: z.coerce.number().int().min(0).max(2_147_483, 'must be at most 2147483 (about 24.8 days); 0 means no limit').default(7_200),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  OPENAI_WEBHOOK_SECRET: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((url) => new URL(url).pathname === '/' && !new URL(url).search, 'must be an origin only (scheme, host, port), with no path')
    .optional(),
  RECORDS: z.enum(['on', 'off']).default('on'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  RECORDS_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters (it guards transcripts)').optional(),
  ...webrtcNetworkEnv,
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  FLEET_MAX_SESSIONS: positiveInt.optional(),
  FLEET_TTL_MS: z.coerce.number().int().min(1_000).default(15_000),
}).refine((env) => env.FLEET_MAX_SESSIONS === undefined || env.REDIS_URL, {
  path: ['FLEET_MAX_SESSIONS'],
  message: 'needs REDIS_URL (the replicas count their sessions there); MAX_SESSIONS limits one gateway',
}).refine((env) => !env.TWILIO_AUTH_TOKEN || env.PUBLIC_URL, {
  path: ['PUBLIC_URL'],
  message: 'is required when TWILIO_AUTH_TOKEN is set (Twilio signs the URLs it calls on it)',
});

/** Reads the environment; throws VG_ERR_CONFIG naming every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `PORT= npm start` should mean the default, not an error.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new VgError('VG_ERR_CONFIG', `\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    openaiApiKey: e.OPENAI_API_KEY,
    realtimeUrl: e.REALTIME_URL,
    realtimeModel: e.REALTIME_MODEL,
    voiceApi: e.VOICE_API,
    liveModel: e.LIVE_MODEL,
    liveDelegationModel: e.LIVE_DELEGATION_MODEL,
    liveUrl: e.LIVE_URL,
    gatewayTokens: Object.freeze(
      (e.GATEWAY_TOKENS ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0),
    ),
    webrtcTokenSecret: e.WEBRTC_TOKEN_SECRET,
    logLevel: e.LOG_LEVEL,
    emulatorScript: e.EMULATOR_SCRIPT,
    agent: e.AGENT,
    maxSessions: e.MAX_SESSIONS,
    sessionsPerMinute: e.SESSIONS_PER_MINUTE,
    devicePenaltyS: e.DEVICE_PENALTY_S,
    toolTimeoutMs: e.TOOL_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    backendTimeoutMs: e.BACKEND_TIMEOUT_MS,
    backendPingMs: e.BACKEND_PING_MS,
    drainTimeoutS: e.DRAIN_TIMEOUT_S,
    maxCallS: e.MAX_CALL_S,
    twilioAuthToken: e.TWILIO_AUTH_TOKEN,
    publicUrl: e.PUBLIC_URL === undefined ? undefined : new URL(e.PUBLIC_URL).origin,
    openaiWebhookSecret: e.OPENAI_WEBHOOK_SECRET,
    openaiBaseUrl: e.OPENAI_BASE_URL?.replace(/\/+$/, ''),
    records: e.RECORDS === 'on',
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    recordsRetentionDays: e.RECORDS_RETENTION_DAYS,
    adminToken: e.ADMIN_TOKEN,
    webrtcNetwork: webrtcNetworkFrom(e),
    redisUrl: e.REDIS_URL,
    fleetMaxSessions: e.FLEET_MAX_SESSIONS,
    fleetTtlMs: e.FLEET_TTL_MS,
  });
}
