import { describe, expect, it } from 'vitest';
import { isAllowed, needsApproval, type McpSessionTool } from '../../../src/emulator/mcp/tool-filters.ts';

const readOnly = { name: 'find', input_schema: {}, annotations: { readOnlyHint: true } };
const writes = { name: 'open', input_schema: {}, annotations: null };
const tool = (fields: Partial<McpSessionTool>): McpSessionTool => ({ type: 'mcp', server_label: 's', ...fields });

describe('emulator MCP tool filters', () => {
  it('allowed_tools by names or by the read-only hint; everything when absent', () => {
    expect([readOnly, writes].filter((t) => isAllowed(tool({}), t)).map((t) => t.name)).toEqual(['find', 'open']);
    expect([readOnly, writes].filter((t) => isAllowed(tool({ allowed_tools: ['open'] }), t)).map((t) => t.name)).toEqual(['open']);
    expect([readOnly, writes].filter((t) => isAllowed(tool({ allowed_tools: { read_only: true } }), t)).map((t) => t.name)).toEqual(['find']);
  });

  it('require_approval: always by default, never, or per tool', () => {
    expect(needsApproval(tool({}), writes)).toBe(true);
    expect(needsApproval(tool({ require_approval: 'never' }), writes)).toBe(false);
    expect(needsApproval(tool({ require_approval: { never: { tool_names: ['find'] } } }), readOnly)).toBe(false);
    expect(needsApproval(tool({ require_approval: { never: { tool_names: ['find'] } } }), writes)).toBe(true);
    expect(needsApproval(tool({ require_approval: { always: { tool_names: ['open'] } } }), writes)).toBe(true);
    expect(needsApproval(tool({ require_approval: { always: { tool_names: ['open'] } } }), readOnly)).toBe(false);
    expect(needsApproval(tool({ require_approval: { never: { read_only: true } } }), readOnly)).toBe(false);
  });
});
