import type pino from 'pino';
import type { Config } from '../config.ts';
import type { AgentSet } from '../engine/agent-set.ts';
import { checkScript } from '../engine/script-check.ts';
import { loadScript } from '../emulator/index.ts';
import type { Backend } from './backend.ts';
import { DEFAULT_EMULATOR_SCRIPT, emulatorBackend } from './emulator.ts';
import { liveBackend } from './live.ts';
import { openaiBackend } from './openai.ts';

/**
 * The backend the configuration names, on its voice API: OpenAI with a key, a given URL, or the
 * embedded emulator with `emulatorScript` (`none`: the default responder alone, which walks any
 * agent through its states). A script that does not fit the agents stops the start, naming the step.
 */
export async function startBackend(config: Config, logger: pino.Logger, agentSet: AgentSet, emulatorScript = config.emulatorScript ?? DEFAULT_EMULATOR_SCRIPT): Promise<Backend> {
  const live = config.voiceApi === 'live' ? { model: config.liveModel, delegationModel: config.liveDelegationModel } : undefined;
  if (live && config.openaiApiKey) return liveBackend(config.openaiApiKey, live, config.liveUrl);
  if (live && config.liveUrl) return liveBackend('emulator', live, config.liveUrl);
  if (!live && config.openaiApiKey) return openaiBackend(config.openaiApiKey, config.realtimeModel, config.realtimeUrl);
  if (!live && config.realtimeUrl) return openaiBackend('emulator', config.realtimeModel, config.realtimeUrl);
  if (emulatorScript === 'none') return emulatorBackend({ model: config.realtimeModel, logger, live });
  const script = await loadScript(emulatorScript);
  checkScript(script, agentSet, emulatorScript);
  return emulatorBackend({ model: config.realtimeModel, script, logger, live });
}
