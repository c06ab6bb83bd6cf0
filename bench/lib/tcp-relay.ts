import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay between the gateway and its Realtime backend that the bench controls: it forwards
 * bytes untouched, can cut every connection at a chosen moment, and reads the WebSocket frames
 * going by (without changing them) so a bench can time each event of a reconnect: the new TCP
 * connection, the upgrade, `session.created`, the gateway's `session.update`, and so on. It runs
 * in the bench's own process, so its timestamps share the clock of the bench's device sockets.
 */
export type Direction = 'up' | 'down';

export interface RelayFrame {
  conn: number;
  /** `up`: gateway → backend (masked client frames); `down`: backend → gateway. */
  dir: Direction;
  /** performance.now() when the chunk holding the frame's header arrived at the relay. */
  at: number;
  opcode: number;
  /** The event's `type` for a text frame that starts a message; the close code for a close frame. */
  type?: string;
  bytes: number;
  /** The frame's first bytes as text (for a trace). */
  head: string;
}

/** How a cut looks to the gateway: `reset` is a TCP RST (a peer or middlebox gone), `fin` an orderly
 * FIN without a WebSocket close frame, `blackhole` a path that silently stops carrying anything. */
export type CutMode = 'reset' | 'fin' | 'blackhole';

interface RelayConn {
  id: number;
  openedAt: number;
  down: net.Socket;
  up: net.Socket;
  holed: boolean;
}

export class TcpRelay {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #server: net.Server;
  readonly #conns = new Map<number, RelayConn>();
  #next = 0;
  onConnection: ((id: number, at: number) => void) | undefined;
  onFrame: ((frame: RelayFrame) => void) | undefined;
  onUpgrade: ((id: number, at: number) => void) | undefined;

  constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost;
    this.#targetPort = targetPort;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.#server.listen(0, '127.0.0.1', () => resolve((this.#server.address() as AddressInfo).port));
    });
  }

  /** Connections open now (the gateway's backend sockets, and its brief TCP reachability probes). */
  get open(): number[] {
    return [...this.#conns.keys()];
  }

  /** Cuts the given connections (default: all open ones); returns when the cut was made. */
  cut(mode: CutMode, ids: readonly number[] = this.open): number {
    const at = performance.now();
    for (const id of ids) {
      const conn = this.#conns.get(id);
      if (!conn) continue;
      if (mode === 'blackhole') {
        // Nothing more goes either way, and nobody is told: reads stop, writes are thrown away.
        conn.holed = true;
        conn.down.unpipe(conn.up);
        conn.up.unpipe(conn.down);
        conn.down.pause();
        conn.up.pause();
        continue;
      }
      this.#conns.delete(id);
      if (mode === 'reset') {
        conn.down.resetAndDestroy();
        conn.up.resetAndDestroy();
      } else {
        conn.down.destroySoon();
        conn.up.destroy();
      }
    }
    return at;
  }

  close(): Promise<void> {
    for (const conn of this.#conns.values()) {
      conn.down.destroy();
      conn.up.destroy();
    }
    this.#conns.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(down: net.Socket): void {
    const id = ++this.#next;
    const at = performance.now();
    const up = net.connect({ host: this.#targetHost, port: this.#targetPort });
    up.setNoDelay(true);
    down.setNoDelay(true);
    const conn: RelayConn = { id, openedAt: at, down, up, holed: false };
    this.#conns.set(id, conn);
    this.onConnection?.(id, at);
    const upSniffer = new FrameSniffer(id, 'up', (frame) => this.onFrame?.(frame));
    const downSniffer = new FrameSniffer(id, 'down', (frame) => this.onFrame?.(frame), () => this.onUpgrade?.(id, performance.now()));
    down.on('data', (chunk: Buffer) => { if (!conn.holed) upSniffer.push(chunk, performance.now()); });
    up.on('data', (chunk: Buffer) => { if (!conn.holed) downSniffer.push(chunk, performance.now()); });
    down.pipe(up);
    up.pipe(down);
    const gone = () => {
      if (this.#conns.get(id) !== conn) return;
      this.#conns.delete(id);
      down.destroy();
      up.destroy();
    };
    down.on('close', gone);
    up.on('close', gone);
    down.on('error', gone);
    up.on('error', gone);
  }
}

const PREFIX_BYTES = 240;

/**
 * Reads WebSocket frames out of one direction of a relayed connection, after its HTTP upgrade.
 * Only each frame's header and first bytes are kept (enough for `"type":"…"`); the rest is skipped.
 */
class FrameSniffer {
  readonly #conn: number;
  readonly #dir: Direction;
  readonly #onFrame: (frame: RelayFrame) => void;
  readonly #onUpgraded: (() => void) | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #inHttp = true;
  #skip = 0;

  constructor(conn: number, dir: Direction, onFrame: (frame: RelayFrame) => void, onUpgraded?: () => void) {
    this.#conn = conn;
    this.#dir = dir;
    this.#onFrame = onFrame;
    this.#onUpgraded = onUpgraded;
  }

  push(chunk: Buffer, at: number): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    if (this.#inHttp) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.#inHttp = false;
      this.#onUpgraded?.();
      this.#buf = this.#buf.subarray(end + 4);
    }
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buf.length);
        this.#skip -= n;
        this.#buf = this.#buf.subarray(n);
        if (this.#skip > 0) return;
      }
      const b = this.#buf;
      if (b.length < 2) return;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const maskAt = off;
      if (masked) off += 4;
      const kept = Math.min(len, PREFIX_BYTES);
      if (b.length < off + kept) return;
      const prefix = Buffer.from(b.subarray(off, off + kept));
      if (masked) for (let i = 0; i < prefix.length; i++) prefix[i] ^= b[maskAt + (i % 4)];
      let type: string | undefined;
      const head = prefix.toString('latin1');
      if (opcode === 1) type = /"type"\s*:\s*"([^"]+)"/.exec(head)?.[1];
      else if (opcode === 8 && prefix.length >= 2) type = `close ${prefix.readUInt16BE(0)}`;
      this.#onFrame({ conn: this.#conn, dir: this.#dir, at, opcode, type, bytes: len, head });
      this.#buf = b.subarray(off + kept);
      this.#skip = len - kept;
    }
  }
}
