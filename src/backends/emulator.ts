import type { Logger } from 'pino';
import { startEmulator, type ConversationScript } from '../emulator/index.ts';
import type { Backend } from './backend.ts';
import { withModel } from './openai.ts';

/** The embedded emulator on a loopback port, for when no OpenAI key is configured. */
export async function emulatorBackend(opts: { model: string; script?: ConversationScript | string; logger: Logger }): Promise<Backend> {
  const emulator = await startEmulator({ script: opts.script, logger: opts.logger.child({ component: 'emulator' }) });
  return {
    kind: 'emulator',
    // The emulator checks no key unless it is given one; any bearer will do.
    target: { url: withModel(emulator.url, opts.model), apiKey: 'emulator', model: opts.model },
    restBaseUrl: emulator.restUrl,
    close: () => emulator.close(),
  };
}
