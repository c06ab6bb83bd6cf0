import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import type { McpServerDefinition } from '../../../src/engine/mcp-servers.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';
import { VgError } from '../../../src/errors.ts';
import { testAgent } from './fixtures.ts';

// An agent's remote MCP servers: checked at start (with the environment their headers name),
// offered per state, and handed to the SDK as its hosted MCP tools.

const dir = mkdtempSync(join(tmpdir(), 'vg-mcp-'));
writeFileSync(join(dir, 'mcp.json'), JSON.stringify([
  { id: 'a', description: 'd', instructions: ['i'], transitions: [{ next_step: 'b', condition: 'c' }] },
  { id: 'b', description: 'd', instructions: ['i'], transitions: [], mcp_servers: ['crm'] },
]));
writeFileSync(join(dir, 'unknown.json'), JSON.stringify([{ id: 'a', description: 'd', instructions: ['i'], transitions: [], mcp_servers: ['nope'] }]));

const crm: McpServerDefinition = { label: 'crm', url: 'https://crm.example.com/mcp', headers: { Authorization: 'Bearer ${CRM_TOKEN}' }, requireApproval: 'never' };
const tickets: McpServerDefinition = { label: 'tickets', url: 'http://127.0.0.1:9/mcp', allowedTools: ['find'], requireApproval: { never: ['find'] } };
const agent = (servers: McpServerDefinition[], statesFile = 'mcp.json') =>
  testAgent({ statesFile, handoffs: [], transferAgentsTarget: undefined, mcpServers: servers });

function problems(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof VgError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('MCP servers in agent files', () => {
  it('resolves header references from the environment and offers every server unless the state narrows them', async () => {
    const runtime = createAgentRuntime(loadAgentSet([agent([crm, tickets])], dir, undefined, { CRM_TOKEN: 's3cret' }));
    const toolsOf = async (state: string) => (await runtime.realtimeAgent('desk', state).getAllTools({} as never))
      .filter((tool) => tool.type === 'hosted_tool')
      .map((tool) => (tool as { providerData: Record<string, unknown> }).providerData);
    const inA = await toolsOf('a');
    expect(inA.map((tool) => tool.server_label)).toEqual(['crm', 'tickets']);
    expect(inA[0]).toMatchObject({ server_url: crm.url, headers: { Authorization: 'Bearer s3cret' }, require_approval: 'never' });
    expect(inA[1]).toMatchObject({ allowed_tools: { tool_names: ['find'] }, require_approval: { never: { tool_names: ['find'] } } });
    expect((await toolsOf('b')).map((tool) => tool.server_label)).toEqual(['crm']);
    expect(runtime.mcpServer('desk', 'tickets')).toBe(tickets);
  });

  it('refuses to start when a header names an unset variable, naming it but no value', () => {
    const message = problems(() => loadAgentSet([agent([crm])], dir, undefined, {}));
    expect(message).toContain('MCP server "crm": header Authorization needs the environment variable CRM_TOKEN, which is not set');
  });

  it('refuses bad labels, plain-http URLs off loopback, duplicates, and states naming unknown servers', () => {
    const bad = [
      { label: 'has space', url: 'https://x.example/mcp' },
      { label: 'open', url: 'http://crm.example.com/mcp' },
      { label: 'open', url: 'https://crm.example.com/mcp', approvalTimeoutMs: 0 },
    ];
    const message = problems(() => loadAgentSet([agent(bad)], dir, undefined, {}));
    expect(message).toContain('MCP server "open" is declared twice');
    expect(message).toContain('MCP server "has space": label must match');
    expect(message).toContain('url "http://crm.example.com/mcp" must be an https:// URL (http:// only on loopback)');
    expect(message).toContain('approvalTimeoutMs must be a positive whole number');
    const states = problems(() => loadAgentSet([agent([crm], 'unknown.json')], dir, undefined, { CRM_TOKEN: 't' }));
    expect(states).toContain('/0/mcp_servers/0');
    expect(states).toContain('one of: crm');
  });
});
