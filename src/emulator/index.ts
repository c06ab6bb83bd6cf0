import pino from 'pino';
import { loadScript } from './responder/script.ts';
import { DEFAULT_CHOICES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_SESSION_MAX_MS, DEFAULT_TIMING, type EmulatorOptions } from './options.ts';
import { listen, REALTIME_PATH } from './server.ts';
import { SpeechSynthesizer } from './speech/index.ts';
import { selfSignedCertificate } from './tls.ts';

// The local OpenAI Realtime API (GA) emulator: public entry.

export type { EmulatorOptions, EmulatorTiming, ProtocolChoices } from './options.ts';
export { DEFAULT_CHOICES, DEFAULT_TIMING } from './options.ts';
export type { ConversationScript } from './responder/script.ts';
export { loadScript } from './responder/script.ts';

export interface RunningEmulator {
  /** ws(s)://127.0.0.1:PORT/v1/realtime — add `?model=gpt-realtime` (or `?intent=transcription`). */
  url: string;
  port: number;
  /** PEM of the self-signed certificate, when `tls: true`: pass it as the client's `ca`. */
  ca?: string;
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
    });
  } catch (err) {
    if (ownSynthesizer) await synthesizer.close();
    throw err;
  }
  const port = server.port;
  const url = `${tls ? 'wss' : 'ws'}://${urlHost(host)}:${port}${REALTIME_PATH}`;
  logger.info({ url }, 'realtime emulator listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    ...(tls ? { ca: tls.cert } : {}),
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
