import type { BackendTarget } from '../session/backend-link.ts';

/** A Realtime backend the gateway's sessions connect to, and how to let it go at shutdown. */
export interface Backend {
  readonly kind: 'openai' | 'emulator' | 'external';
  readonly target: BackendTarget;
  /** Its REST API (the Calls API) when that is not OpenAI's. */
  readonly restBaseUrl?: string;
  close(): Promise<void>;
}
