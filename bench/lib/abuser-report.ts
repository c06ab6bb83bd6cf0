/** What an abusive client (bench/lib/abuser.ts) reports when it stops, for bench/abuse.ts. */
/** `polite` is the control: one more well-behaved call (20 ms frames in real time, reading), to tell the cost of
 * a call joining from the cost of its abuse. It is not one of the abusers of the `all` phase. */
export type AbuserKind = 'bad-json' | 'fast-audio' | 'fast-frames' | 'no-read' | 'polite';
export const ABUSER_KINDS: readonly AbuserKind[] = ['bad-json', 'fast-audio', 'fast-frames', 'no-read'];
export const CLIENT_KINDS: readonly AbuserKind[] = [...ABUSER_KINDS, 'polite'];

export interface AbuserConn {
  localPort: number;
  /** Date.now() at the upgrade's answer. */
  openedAt: number;
  /** 101, or the HTTP status that refused the upgrade. */
  status: number;
  /** Date.now() when this client saw the connection end; absent if it was open at the stop. */
  endedAt?: number;
  /** How it ended as this client saw it: `close <code> <reason>`, a socket error code, or `open at stop`. */
  end?: string;
  /** `session.ended`'s reason, when the client read it. */
  sessionEnded?: string;
  /** Error events read, by code. */
  errors: Record<string, number>;
  framesSent: number;
  bytesSent: number;
  audioBytesRead: number;
}

export interface AbuserReport {
  kind: AbuserKind;
  localAddress: string;
  conns: AbuserConn[];
  /** Upgrades refused, by HTTP status. */
  refused: Record<string, number>;
  cpuMs: number;
  rssMb: number;
}

