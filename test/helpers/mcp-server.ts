import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** One call a test MCP server received, as its handler saw it. */
export interface ReceivedCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** The request's Authorization header (headers from the agent file must arrive). */
  authorization: string | undefined;
}

export interface TestMcpServer {
  url: string;
  calls: ReceivedCall[];
  close(): Promise<void>;
}

/**
 * A real MCP server on loopback, built with the MCP SDK: streamable HTTP, stateless (a new server
 * per request), two tools: `lookup_order` (read-only) answers from the order id it is given, and
 * `cancel_order` says it cancelled it. `prefix` goes before both names (two servers, distinct
 * tools); `hangOn` names a tool that never answers (a stuck backend).
 */
export async function startTestMcpServer(opts: { prefix?: string; hangOn?: string } = {}): Promise<TestMcpServer> {
  const lookup = `${opts.prefix ?? ''}lookup_order`;
  const cancel = `${opts.prefix ?? ''}cancel_order`;
  const calls: ReceivedCall[] = [];
  const build = (req: IncomingMessage): McpServer => {
    const server = new McpServer({ name: 'orders', version: '1.0.0' });
    const authorization = req.headers.authorization;
    const answer = async (tool: string, args: Record<string, unknown>, text: string) => {
      calls.push({ tool, arguments: args, authorization });
      if (opts.hangOn === tool) await new Promise(() => {});
      return { content: [{ type: 'text' as const, text }] };
    };
    server.registerTool(
      lookup,
      { description: 'Looks an order up by its id.', inputSchema: { order_id: z.string() }, annotations: { readOnlyHint: true } },
      async ({ order_id }) => answer(lookup, { order_id }, `Order ${order_id} ships on ${shipDay(order_id)}.`),
    );
    server.registerTool(
      cancel,
      { description: 'Cancels an order.', inputSchema: { order_id: z.string() } },
      async ({ order_id }) => answer(cancel, { order_id }, `Order ${order_id} is cancelled.`),
    );
    return server;
  };
  const http: Server = createServer((req, res) => {
    void (async () => {
      const server = build(req);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () => new Promise((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}

/** A day computed from the id, so a spoken answer proves the server saw the arguments. */
function shipDay(orderId: string): string {
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
  return days[[...orderId].reduce((n, c) => n + c.charCodeAt(0), 0) % days.length];
}
