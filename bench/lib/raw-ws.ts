import net from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A WebSocket client reduced to its bytes, for clients that misbehave below what the `ws` library
 * allows: one that stops reading its socket (the kernel's receive window closes, the server's send
 * queue grows), or that writes frames as fast as the socket takes them.
 */
export interface RawUpgrade {
  socket: net.Socket;
  /** 101 on success; otherwise the refusal's HTTP status (e.g. 429) and the socket is closed. */
  status: number;
  /** Bytes after the response headers (the first frames). */
  rest: Buffer;
  localPort: number;
}

export function rawConnect(url: string, localAddress?: string, timeoutMs = 10_000): Promise<RawUpgrade> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port), localAddress });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('upgrade timed out'));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.pause();
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (status !== 101) socket.destroy();
      resolve({ socket, status, rest: head.subarray(end + 4), localPort: socket.localPort ?? 0 });
    };
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}

/** One masked client frame (FIN set). opcode 1 text, 2 binary, 8 close, 10 pong. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 65_536 ? 2 : 8;
  const frame = Buffer.alloc(2 + extra + 4 + len);
  frame[0] = 0x80 | opcode;
  if (extra === 0) frame[1] = 0x80 | len;
  else if (extra === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const maskAt = 2 + extra;
  randomBytes(4).copy(frame, maskAt);
  for (let i = 0; i < len; i++) frame[maskAt + 4 + i] = payload[i] ^ frame[maskAt + (i % 4)];
  return frame;
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Reads the server's (unmasked) frames out of a byte stream. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ServerFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: ServerFrame[] = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + len) break;
      frames.push({ opcode: b[0] & 0x0f, payload: b.subarray(off, off + len) });
      this.#buf = b.subarray(off + len);
    }
    return frames;
  }
}

/** A close frame's code and reason. */
export function closeInfo(payload: Buffer): { code: number; reason: string } {
  return payload.length >= 2 ? { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') } : { code: 1005, reason: '' };
}
