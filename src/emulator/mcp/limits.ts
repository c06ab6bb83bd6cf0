/**
 * What the emulator lets one remote MCP server cost a session: an MCP server's answers are
 * untrusted input, so each request has a deadline and each answer a size limit.
 */
export interface McpLimits {
  /** Connecting and listing the tools, together. */
  listTimeoutMs: number;
  /** One `tools/call`. */
  callTimeoutMs: number;
  /** Largest HTTP response body read from a server (a tool list, or one call's answer). */
  maxResponseBytes: number;
  /** Tools kept from one listing; the rest are dropped with a warning. */
  maxTools: number;
  /** Characters of a call's output given to the model; longer output fails the call. */
  maxOutputChars: number;
}

export const DEFAULT_MCP_LIMITS: Readonly<McpLimits> = Object.freeze({
  listTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  maxResponseBytes: 1024 * 1024,
  maxTools: 128,
  maxOutputChars: 64 * 1024,
});
