import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startEmulator } from './index.ts';

// `npm run emulator -- --port 8787 [--tls] [--script file.json] [--api-key K]`: the emulator on
// its own, for any Realtime client that should run offline (SIP calls too, with --webhook-url).

const USAGE = `Usage: npm run emulator -- [--port N] [--host H] [--tls] [--script file.json] [--api-key K] [--log-level L]
                            [--webhook-url URL --webhook-secret whsec_…]

  --port N        port to listen on (default 0: any free port)
  --host H        address to listen on (default 127.0.0.1)
  --tls           serve wss:// with a self-signed certificate made at start
  --script F      a conversation script (.json); default: the built-in default responder
  --api-key K     require this bearer key (default: any key is accepted)
  --log-level L   pino level: trace, debug, info, warn, error (default info)
  --webhook-url URL     where simulated SIP calls post their signed realtime.call.incoming;
                        then POST /emulator/sip/calls {"from","to"} places one
  --webhook-secret S    the webhook secret (whsec_…), as OPENAI_WEBHOOK_SECRET on the receiver`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      tls: { type: 'boolean', default: false },
      script: { type: 'string' },
      'api-key': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const logger = pino({ name: 'realtime-emulator', level: values['log-level'] });
  const webhookUrl = values['webhook-url'];
  const webhookSecret = values['webhook-secret'];
  if ((webhookUrl === undefined) !== (webhookSecret === undefined)) throw new Error('--webhook-url and --webhook-secret go together');
  const webhook = webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined;
  const emulator = await startEmulator({ port, host: values.host, tls: values.tls, script: values.script, apiKey: values['api-key'], logger, webhook });

  console.log(`Realtime emulator listening: ${emulator.url}?model=gpt-realtime (REST: ${emulator.restUrl})`);
  console.log(`GPT-Live emulator listening: ${emulator.liveUrl} (the model goes in session.start)`);
  if (webhook) console.log(`Place a SIP call: curl -X POST ${emulator.restUrl.replace(/\/v1$/, '')}/emulator/sip/calls -d '{"from":"+14155550123"}'`);
  if (emulator.ca) {
    const caPath = join(tmpdir(), `realtime-emulator-${emulator.port}-ca.pem`);
    await writeFile(caPath, emulator.ca);
    console.log(`TLS certificate (trust it as a CA, e.g. NODE_EXTRA_CA_CERTS=${caPath}):\n${emulator.ca}`);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'closing');
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
