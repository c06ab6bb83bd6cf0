import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { RealtimeConnection, type ConnectionInit } from './connection.ts';
import { checkHandshake } from './handshake.ts';
import { newEventId } from './ids.ts';
import { DEFAULT_MCP_LIMITS } from './mcp/limits.ts';
import type { FatalError } from './protocol/errors.ts';
import { handleCallsRequest } from './sip/calls-api.ts';
import type { SipCalls } from './sip/calls.ts';
import { acceptLive, attachLive, LIVE_ATTACH_PATH, LIVE_PATH } from './live/upgrade.ts';
import type { LiveConnection } from './live/connection.ts';
import type { LiveChoices } from './live/options.ts';

// The HTTP(S) listener: `/v1/realtime` upgrades to a session, any other path is a plain 404
// before the upgrade; auth and model problems are answered after it, as the service does. Plain
// requests: the Calls API of SIP calls, and (when webhooks are configured) the emulator's own
// `POST /emulator/sip/calls`, which places a simulated incoming call.

export const REALTIME_PATH = '/v1/realtime';

export interface ServerInit extends Omit<ConnectionInit, 'kind' | 'model' | 'call'> {
  host: string;
  port: number;
  tls: { cert: string; key: string } | undefined;
  apiKey: string | undefined;
  calls: SipCalls;
  /** Answers `POST /emulator/sip/calls` (place a simulated call); absent, that path is a 404. */
  placeCall?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** GPT-Live's open questions, answered (src/emulator/live/options.ts). */
  liveChoices: LiveChoices;
}

export const PLACE_CALL_PATH = '/emulator/sip/calls';

export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

export async function listen(init: ServerInit): Promise<ListeningServer> {
  const sessions = new Set<RealtimeConnection>();
  const liveSessions = new Set<LiveConnection>();
  const logger: Logger = init.logger;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const callsApi = { calls: init.calls, apiKey: init.apiKey, sessionMaxMs: init.sessionMaxMs, silenceMs: init.choices.defaultSilenceDurationMs, liveChoices: init.liveChoices };
    if (handleCallsRequest(req, res, path, callsApi)) return;
    if (path === PLACE_CALL_PATH && req.method === 'POST' && init.placeCall) return init.placeCall(req, res);
    notFound(path, res);
  };
  const server = init.tls ? https.createServer({ cert: init.tls.cert, key: init.tls.key }, onRequest) : http.createServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    // Frames past maxEventBytes get an error event; only frames past twice that close the socket (1009).
    maxPayload: 2 * init.maxEventBytes,
    // The live upgrade response advertises permessage-deflate (§1.1).
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err }, 'upgrade socket error'));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const attachTo = LIVE_ATTACH_PATH.exec(url.pathname)?.[1];
    if (url.pathname === LIVE_PATH || attachTo !== undefined) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const { logger: log, synthesizer, script, maxEventBytes, liveChoices: choices } = init;
        const liveInit = { logger: log, synthesizer, script, maxEventBytes, choices, mcp: init.mcp ?? DEFAULT_MCP_LIMITS };
        const sessionId = attachTo === undefined ? undefined : decodeURIComponent(attachTo);
        const live = sessionId === undefined
          ? acceptLive(ws, req, init.apiKey, liveInit)
          : attachLive(ws, req, init.apiKey, init.calls.get(sessionId), sessionId, liveInit);
        if (!live) return;
        liveSessions.add(live);
        void live.closed.then(() => liveSessions.delete(live));
      });
      return;
    }
    if (url.pathname !== REALTIME_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const handshake = checkHandshake(req, url, init.apiKey, (id) => init.calls.get(id));
      if (!handshake.ok) {
        rejectAfterUpgrade(ws, handshake.fatal);
        return;
      }
      const session = new RealtimeConnection(ws, { ...init, kind: handshake.kind, model: handshake.model, call: handshake.call });
      sessions.add(session);
      void session.closed.then(() => sessions.delete(session));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(init.port, init.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'emulator server error'));

  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      init.calls.endAll();
      for (const session of sessions) session.close(1001, 'server shutting down');
      for (const live of liveSessions) live.close();
      await Promise.all([...sessions].map((s) => Promise.race([s.closed, new Promise((r) => setTimeout(r, 1000).unref())])));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function notFound(path: string, res: http.ServerResponse): void {
  const status = path === REALTIME_PATH ? 426 : 404;
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 426 ? { upgrade: 'websocket' } : {}) });
  res.end(JSON.stringify({ error: { message: status === 426 ? 'Use a WebSocket upgrade for /v1/realtime.' : 'Not found.', type: 'invalid_request_error' } }));
}

/** §1.1: the 101 happened; the error event comes first, then the close with `<type>.<code>`. */
function rejectAfterUpgrade(ws: WebSocket, fatal: FatalError): void {
  ws.send(JSON.stringify({ type: 'error', event_id: newEventId(), error: fatal.error }));
  ws.close(fatal.closeCode, fatal.closeReason);
}
