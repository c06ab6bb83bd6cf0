import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineAgent, type AgentDefinition } from '../../src/engine/agent.ts';
import type { McpApprovalRequest } from '../../src/engine/mcp-servers.ts';

// The agents of the MCP tests, on either voice API: the same clerk, the same servers.

/** Their states (clerk.json, orders-desk.json). */
export const MCP_STATES_DIR = fileURLToPath(new URL('../fixtures/states/', import.meta.url));

/** The environment variable the orders server's Authorization header names. */
export const ORDERS_TOKEN_VAR = 'VG_TEST_ORDERS_TOKEN';

/** An MCP URL on loopback where nothing listens (a server that is down). */
export async function downMcpUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/mcp`;
  await new Promise((resolve) => probe.close(resolve));
  return url;
}

/**
 * A clerk with three servers: `orders` (lookups need no approval, the rest ask the client within
 * `approvalTimeoutMs`; its header names ${ORDERS_TOKEN_VAR}), `down` and `slow`.
 */
export function ordersClerk(urls: { orders: string; down: string; slow: string }, approvalTimeoutMs: number): AgentDefinition {
  return defineAgent({
    name: 'clerk',
    voice: 'ash',
    sections: { roleAndObjective: 'Answer questions about orders.' },
    statesFile: 'clerk.json',
    tools: [],
    handoffs: [],
    mcpServers: [
      {
        label: 'orders', url: urls.orders, requireApproval: { never: ['lookup_order'] }, approvalTimeoutMs,
        headers: { Authorization: `Bearer \${${ORDERS_TOKEN_VAR}}` },
      },
      { label: 'down', url: urls.down, requireApproval: 'never' },
      { label: 'slow', url: urls.slow, requireApproval: 'never' },
    ],
  });
}

/** A clerk whose every orders call needs approval, given by a policy: only order 42 may be touched. Each request is pushed to `asked`. */
export function policyClerk(ordersUrl: string, asked: McpApprovalRequest[]): AgentDefinition {
  return defineAgent({
    name: 'clerk',
    voice: 'ash',
    sections: { roleAndObjective: 'Answer questions about orders.' },
    statesFile: 'orders-desk.json',
    tools: [],
    handoffs: [],
    mcpServers: [{
      label: 'orders', url: ordersUrl, requireApproval: 'always',
      approvedBy: async (request) => {
        asked.push(request);
        return (request.arguments as { order_id?: string }).order_id === '42';
      },
    }],
  });
}
