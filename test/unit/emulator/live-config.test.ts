import { describe, expect, it } from 'vitest';
import { backendMcpTools, checkStartConfig, checkUpdateConfig } from '../../../src/emulator/live/config.ts';
import { DEFAULT_LIVE_CHOICES } from '../../../src/emulator/live/options.ts';

// The delegation backend's remote MCP servers in a GPT-Live configuration, checked as strictly as
// the rest of it.

const orders = { type: 'mcp', server_label: 'orders', server_url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer t' }, require_approval: 'never' };
const start = (tools: unknown[]) => checkStartConfig({ model: 'gpt-live-1', delegation: { type: 'responses', responses: { model: 'gpt-5.1', tools } } }, DEFAULT_LIVE_CHOICES);
const update = (tools: unknown[]) => checkUpdateConfig({ delegation: { type: 'responses', responses: { tools } } });

describe('GPT-Live config: mcp backend tools', () => {
  it('takes a server_url MCP tool beside function tools, and gives its fields back', () => {
    const checked = start([{ type: 'function', name: 'lookup' }, orders]);
    expect(checked.ok).toBe(true);
    const delegation = checked.ok ? checked.value.delegation : undefined;
    expect(backendMcpTools(delegation?.type === 'responses' ? delegation.responses.tools : [])).toEqual([orders]);
  });

  it('refuses unknown fields, a missing server_url, a bad label and one label twice', () => {
    expect(start([{ ...orders, connector_id: 'connector_gmail' }])).toMatchObject({ ok: false, error: { code: 'unknown_parameter', param: 'session.delegation.responses.tools[0].connector_id' } });
    const { server_url: _url, ...noUrl } = orders;
    expect(start([noUrl])).toMatchObject({ ok: false, error: { code: 'missing_required_parameter', param: 'session.delegation.responses.tools[0].server_url' } });
    expect(start([{ ...orders, server_label: 'no spaces' }])).toMatchObject({ ok: false, error: { code: 'invalid_value', param: 'session.delegation.responses.tools[0].server_label' } });
    expect(update([orders, orders])).toMatchObject({ ok: false, error: { code: 'invalid_value', param: 'session.delegation.responses.tools[1].server_label' } });
    // Other hosted tools are not emulated.
    expect(start([{ type: 'web_search' }]).ok).toBe(false);
  });
});
