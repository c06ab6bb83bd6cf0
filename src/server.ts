import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { kioskEdge, MAX_AUDIO_FRAME_BYTES } from './edges/kiosk-ws.ts';
import { webrtcEdge } from './edges/browser-webrtc.ts';
import { MAX_CONTROL_BYTES } from './edges/control.ts';
import { SessionRegistry } from './session/registry.ts';
import type { AgentRuntime } from './session/agent-runtime.ts';
import type { BackendTarget } from './session/voice-session.ts';
import type { Config } from './config.ts';

export interface ServerDeps {
  runtime: AgentRuntime;
  backend: BackendTarget;
  logger: Logger;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * The gateway as a Fastify app, not yet listening: main.ts listens, tests may `inject()` or listen
 * on port 0. Closing the app ends every live session.
 */
export async function buildServer(config: Config, deps: ServerDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance: logger });
  const sessions = new SessionRegistry({
    runtime: deps.runtime,
    backend: deps.backend,
    toolTimeoutMs: config.toolTimeoutMs,
    maxSessions: config.maxSessions,
  });
  app.decorate('sessions', sessions);
  app.addHook('preClose', async () => sessions.closeAll('server_shutdown'));

  // A frame over the cap closes that socket with 1009; other sessions are untouched.
  await app.register(websocket, { options: { maxPayload: Math.max(MAX_AUDIO_FRAME_BYTES, MAX_CONTROL_BYTES) } });
  await app.register(fastifyStatic, { root: PUBLIC_DIR });
  app.get('/healthz', async () => ({ status: 'ok', sessions: sessions.size }));
  await app.register(kioskEdge, { startSession: sessions.start, tokens: config.gatewayTokens });
  await app.register(webrtcEdge, { startSession: sessions.start, maxSessions: config.maxSessions });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionRegistry;
  }
}
