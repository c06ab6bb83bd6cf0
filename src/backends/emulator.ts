import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startEmulator, type ConversationScript } from '../emulator/index.ts';
import type { Backend } from './backend.ts';
import { withModel } from './openai.ts';
import { liveBackend, type LiveModels } from './live.ts';

/** The demo's conversation script: the front desk and tour guide flow, turn by turn. */
export const DEFAULT_EMULATOR_SCRIPT = fileURLToPath(new URL('../../agents/front-desk.script.json', import.meta.url));

/** The embedded emulator on a loopback port, for when no OpenAI key is configured. */
export async function emulatorBackend(opts: { model: string; script?: ConversationScript | string; logger: Logger; live?: LiveModels }): Promise<Backend> {
  const emulator = await startEmulator({ script: opts.script, logger: opts.logger.child({ component: 'emulator' }) });
  if (opts.live) {
    // The same emulator serves GPT-Live on its /v1/live/sessions path.
    return { ...liveBackend('emulator', opts.live, emulator.liveUrl, 'emulator'), restBaseUrl: emulator.restUrl, close: () => emulator.close() };
  }
  return {
    kind: 'emulator',
    // The emulator checks no key unless it is given one; any bearer will do.
    target: { url: withModel(emulator.url, opts.model), apiKey: 'emulator', model: opts.model },
    restBaseUrl: emulator.restUrl,
    close: () => emulator.close(),
  };
}
