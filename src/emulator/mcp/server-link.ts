import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpCallError, McpListedTool } from '../protocol/items.ts';
import { boundedFetch } from './bounded-fetch.ts';
import type { McpLimits } from './limits.ts';

// One remote MCP server as the service reaches it: streamable HTTP through the MCP SDK's client,
// every request under a deadline and every answer under a size limit. Nothing here throws at
// its caller: a server that is down, slow or wrong is an outcome, not an exception.

export type ListOutcome = { ok: true; tools: McpListedTool[]; dropped: number } | { ok: false; message: string };
export type CallOutcome = { ok: true; output: string } | { ok: false; error: McpCallError };

export interface McpServerTarget {
  url: string;
  headers: Record<string, string>;
}

export class McpServerLink {
  readonly #client = new Client({ name: 'voice-gateway-realtime-emulator', version: '1.0.0' });
  readonly #transport: StreamableHTTPClientTransport;
  readonly #limits: McpLimits;
  /** Aborted by close(): a closing session stops waiting on its servers. */
  readonly #closed = new AbortController();
  #connected: Promise<void> | undefined;

  constructor(target: McpServerTarget, limits: McpLimits) {
    this.#limits = limits;
    this.#transport = new StreamableHTTPClientTransport(new URL(target.url), {
      requestInit: { headers: target.headers },
      fetch: boundedFetch(limits.maxResponseBytes),
      // A dropped stream is a failed request here, not one to resume: the deadline stands.
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
    });
  }

  /** Connects (once) and lists the server's tools. */
  async listTools(): Promise<ListOutcome> {
    const options = this.#options(this.#limits.listTimeoutMs);
    try {
      this.#connected ??= this.#client.connect(this.#transport, options);
      await this.#connected;
      const listed = await this.#client.listTools(undefined, options);
      const tools = listed.tools.slice(0, this.#limits.maxTools).map(
        (tool): McpListedTool => ({
          name: tool.name,
          description: tool.description ?? null,
          input_schema: tool.inputSchema,
          annotations: tool.annotations ?? null,
        }),
      );
      return { ok: true, tools, dropped: listed.tools.length - tools.length };
    } catch (err) {
      return { ok: false, message: describe(err) };
    }
  }

  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallOutcome> {
    const options = this.#options(this.#limits.callTimeoutMs, signal);
    try {
      if (!this.#connected) throw new Error('the server was not listed');
      await this.#connected;
      const result = await this.#client.callTool({ name, arguments: args }, undefined, options);
      const output = resultText(result.content);
      if (output.length > this.#limits.maxOutputChars) {
        return { ok: false, error: { type: 'tool_execution_error', message: `output of ${output.length} characters exceeds ${this.#limits.maxOutputChars}` } };
      }
      if (result.isError === true) return { ok: false, error: { type: 'tool_execution_error', message: output || 'the tool reported an error' } };
      return { ok: true, output };
    } catch (err) {
      return { ok: false, error: callError(err) };
    }
  }

  async close(): Promise<void> {
    this.#closed.abort();
    try {
      await this.#client.close();
    } catch {
      // Closing a transport that never connected: nothing to release.
    }
  }

  #options(timeout: number, signal?: AbortSignal): { timeout: number; maxTotalTimeout: number; signal: AbortSignal } {
    const signals = [this.#closed.signal, AbortSignal.timeout(timeout), ...(signal ? [signal] : [])];
    return { timeout, maxTotalTimeout: timeout, signal: AbortSignal.any(signals) };
  }
}

/** The text of a call's content blocks; other blocks (images, resources) as their JSON. */
function resultText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (typeof block === 'object' && block !== null && 'type' in block && block.type === 'text' && 'text' in block && typeof block.text === 'string') return block.text;
      return JSON.stringify(block);
    })
    .join('\n');
}

/** A JSON-RPC error from the server is a protocol error; a failed HTTP exchange an HTTP one. */
function callError(err: unknown): McpCallError {
  const message = describe(err);
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
  if (code !== undefined && /HTTP \d{3}/.test(message)) return { type: 'http_error', code, message };
  if (code !== undefined) return { type: 'protocol_error', code, message };
  return { type: 'tool_execution_error', message };
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
