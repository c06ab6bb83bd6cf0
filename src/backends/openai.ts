import type { Backend } from './backend.ts';

export const OPENAI_REALTIME_URL = 'wss://api.openai.com/v1/realtime';

/** OpenAI's Realtime API, or any server at `url` that speaks it with the same key. */
export function openaiBackend(apiKey: string, model: string, url?: string): Backend {
  return {
    kind: url ? 'external' : 'openai',
    target: { url: withModel(url ?? OPENAI_REALTIME_URL, model), apiKey, model },
    close: async () => {},
  };
}

/** The Realtime URL needs exactly one of model / call_id / intent; add the model unless one is there. */
export function withModel(url: string, model: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('model') && !u.searchParams.has('call_id') && !u.searchParams.has('intent')) {
    u.searchParams.set('model', model);
  }
  return u.toString();
}
