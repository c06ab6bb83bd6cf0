import type { BackendTarget } from '../session/backend-link.ts';

/** A Realtime backend the gateway's sessions connect to, and how to let it go at shutdown. */
export interface Backend {
  readonly kind: 'openai' | 'emulator' | 'external';
  readonly target: BackendTarget;
  close(): Promise<void>;
}
