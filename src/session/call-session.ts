import type { Logger } from 'pino';
import type { EdgeTransport } from '../edges/edge.ts';
import type { FactSink } from '../observability/session-facts.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import type { BackendTarget, LinkPolicy } from './backend-link.ts';

/** What a call needs from its gateway, on either voice API (VoiceSession, LiveVoiceSession). */
export interface CallSessionDeps {
  id: string;
  edge: EdgeTransport;
  runtime: AgentRuntime;
  backend: BackendTarget;
  linkPolicy: LinkPolicy;
  toolTimeoutMs: number;
  log: Logger;
  /** Where the session's facts go (the gateway's metrics and call records). */
  facts: FactSink;
}

/** What the agent is asked to say when the gateway must end a call (a shutdown deadline). */
export const FAREWELL = 'The service must end this call now. In one short sentence, apologise and say goodbye. Do not ask anything.';
/** The goodbye's generation and then its playback each get at most this long. */
export const FAREWELL_MAX_MS = 6_000;
