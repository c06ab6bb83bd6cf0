// The gateway as the browser tests need it: public/ at `/` under the gateway's security headers, and
// the WebRTC edge bound to whatever session starter the test passes (a fake today; the real
// SessionRegistry.start works the same).
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { webrtcEdge, type WebrtcEdgeOptions } from '../../src/edges/browser-webrtc.ts';
import { securityHeaders } from '../../src/http/security-headers.ts';
import type { StartSession } from '../../src/session/starter.ts';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export interface BrowserTestServer {
  /** http://127.0.0.1:<port>, a secure context for getUserMedia. */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startBrowserTestServer(startSession: StartSession, opts: Partial<WebrtcEdgeOptions> = {}): Promise<BrowserTestServer> {
  const app = Fastify();
  // The gateway's headers, CSP included: the browser tests prove the page works under them.
  await securityHeaders(app);
  await app.register(fastifyStatic, { root: PUBLIC_DIR });
  await app.register(webrtcEdge, { ...opts, startSession });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, app, close: () => app.close() };
}
