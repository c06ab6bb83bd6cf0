import type { Logger } from 'pino';
import { startEmulator } from '../emulator/index.ts';
import type { Backend } from './backend.ts';
import { withModel } from './openai.ts';
import { liveBackend, type LiveModels } from './live.ts';

/** The embedded emulator on a loopback port, for when no OpenAI key is configured. */
export async function emulatorBackend(opts: { model: string; script?: string; logger: Logger; live?: LiveModels }): Promise<Backend> {
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
