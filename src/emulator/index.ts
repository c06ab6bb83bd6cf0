import pino from 'pino';
import { loadScript } from './responder/script.ts';
import { DEFAULT_CHOICES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_SESSION_MAX_MS, DEFAULT_TIMING, type EmulatorOptions } from './options.ts';
import { DEFAULT_MCP_LIMITS } from './mcp/limits.ts';
import { listen, REALTIME_PATH } from './server.ts';
import { SipCalls } from './sip/calls.ts';
import { placeCall, placeCallHandler, type PlaceCallOptions, type PlacedCall } from './sip/place-call.ts';
import { SpeechSynthesizer } from './speech/index.ts';
import { selfSignedCertificate } from './tls.ts';
import { LIVE_PATH } from './live/upgrade.ts';
import { DEFAULT_LIVE_CHOICES } from './live/options.ts';

// The local OpenAI Realtime API (GA) emulator: public entry.

export type { EmulatorOptions, EmulatorTiming, ProtocolChoices } from './options.ts';
export { DEFAULT_CHOICES, DEFAULT_TIMING } from './options.ts';
export { DEFAULT_MCP_LIMITS, type McpLimits } from './mcp/limits.ts';
export type { ConversationScript } from './responder/script.ts';
export { loadScript } from './responder/script.ts';
export type { PlaceCallOptions, PlacedCall, WebhookTarget } from './sip/place-call.ts';
export type { CallRequest, CallState, SipCall } from './sip/calls.ts';
export type { LiveChoices } from './live/options.ts';
export { DEFAULT_LIVE_CHOICES } from './live/options.ts';

export interface RunningEmulator {
  /** ws(s)://127.0.0.1:PORT/v1/realtime — add `?model=gpt-realtime` (or `?intent=transcription`). */
  url: string;
  port: number;
  /** ws(s)://127.0.0.1:PORT/v1/live/sessions — the GPT-Live primary WebSocket. */
  liveUrl: string;
  /** http(s)://127.0.0.1:PORT/v1 — the REST base URL (the Calls API of SIP calls). */
  restUrl: string;
  /** PEM of the self-signed certificate, when `tls: true`: pass it as the client's `ca`. */
  ca?: string;
  /** Places a simulated incoming SIP call: it rings and its signed webhook is delivered. */
  placeSipCall(opts?: PlaceCallOptions): Promise<PlacedCall>;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const logger = opts.logger ?? pino({ name: 'realtime-emulator', level: 'warn' });
  // A bad script fails the start, with its file and JSON path, not the first session.
  const script = opts.script === undefined ? undefined : await loadScript(opts.script);
  const tls = opts.tls === true ? await selfSignedCertificate() : opts.tls || undefined;
  const ownSynthesizer = opts.synthesizer === undefined;
  const synthesizer = opts.synthesizer ?? SpeechSynthesizer.create();
  const host = opts.host ?? '127.0.0.1';
  const calls = new SipCalls();
  let server;
  try {
    server = await listen({
      host,
      port: opts.port ?? 0,
      tls,
      apiKey: opts.apiKey,
      logger,
      timing: { ...DEFAULT_TIMING, ...opts.timing },
      choices: { ...DEFAULT_CHOICES, ...opts.choices },
      synthesizer,
      script,
      sessionMaxMs: opts.sessionMaxMs ?? DEFAULT_SESSION_MAX_MS,
      maxEventBytes: opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
      mcp: { ...DEFAULT_MCP_LIMITS, ...opts.mcp },
      calls,
      placeCall: opts.webhook ? placeCallHandler(calls, opts.webhook) : undefined,
      liveChoices: { ...DEFAULT_LIVE_CHOICES, sessionMaxMs: opts.sessionMaxMs ?? DEFAULT_SESSION_MAX_MS, ...opts.liveChoices },
    });
  } catch (err) {
    if (ownSynthesizer) await synthesizer.close();
    throw err;
  }
  const port = server.port;
  const url = `${tls ? 'wss' : 'ws'}://${urlHost(host)}:${port}${REALTIME_PATH}`;
  const restUrl = `${tls ? 'https' : 'http'}://${urlHost(host)}:${port}/v1`;
  logger.info({ url }, 'realtime emulator listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    liveUrl: `${tls ? 'wss' : 'ws'}://${urlHost(host)}:${port}${LIVE_PATH}`,
    restUrl,
    ...(tls ? { ca: tls.cert } : {}),
    placeSipCall: (callOpts) => placeCall(calls, opts.webhook, callOpts),
    close() {
      closing ??= (async () => {
        await server.close();
        if (ownSynthesizer) await synthesizer.close();
      })();
      return closing;
    },
  };
}

/** A wildcard listen address is reached on loopback; IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
