import type { Backend } from './backend.ts';

export const OPENAI_LIVE_URL = 'wss://api.openai.com/v1/live/sessions';

export interface LiveModels {
  /** The voice model, e.g. `gpt-live-1`. */
  model: string;
  /** The Responses model the delegation backend runs (the state machine and the tools). */
  delegationModel: string;
}

/** OpenAI's GPT-Live API, or any server at `url` that speaks it (an emulator's `/v1/live/sessions`). */
export function liveBackend(apiKey: string, models: LiveModels, url?: string, kind: Backend['kind'] = url ? 'external' : 'openai'): Backend {
  return {
    kind,
    target: { api: 'live', url: url ?? OPENAI_LIVE_URL, apiKey, ...models },
    close: async () => {},
  };
}
