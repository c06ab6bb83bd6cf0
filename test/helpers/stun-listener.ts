import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A STUN/TURN server stand-in on a loopback UDP port that records what peers ask of it: Binding
 * requests (STUN) and Allocate requests (TURN). An Allocate without credentials gets TURN's 401
 * challenge (realm and nonce), so the peer retries with its USERNAME, which is recorded.
 */
export interface StunRequest {
  method: 'binding' | 'allocate' | 'other';
  username?: string;
}

const MAGIC_COOKIE = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const ALLOCATE_ERROR = 0x0113;
const ATTR_USERNAME = 0x0006;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_REALM = 0x0014;
const ATTR_NONCE = 0x0015;

export class StunListener {
  readonly requests: StunRequest[] = [];
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (message, from) => {
      if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) return;
      const type = message.readUInt16BE(0);
      const username = attribute(message, ATTR_USERNAME)?.toString('utf8');
      const method = type === BINDING ? 'binding' : type === ALLOCATE ? 'allocate' : 'other';
      this.requests.push({ method, username });
      if (type === ALLOCATE && username === undefined) socket.send(challenge(message.subarray(8, 20)), from.port, from.address);
    });
  }

  static async start(): Promise<StunListener> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new StunListener(socket);
  }

  get port(): number {
    return (this.#socket.address() as AddressInfo).port;
  }

  close(): void {
    this.#socket.close();
  }
}

function attribute(message: Buffer, wanted: number): Buffer | undefined {
  for (let at = 20; at + 4 <= message.length;) {
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 2);
    if (type === wanted) return message.subarray(at + 4, at + 4 + length);
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

/** TURN's first answer to an Allocate: 401 with a realm and a nonce to sign the retry with. */
function challenge(transactionId: Buffer): Buffer {
  const attrs = [
    tlv(ATTR_ERROR_CODE, Buffer.concat([Buffer.from([0, 0, 4, 1]), Buffer.from('Unauthorized')])),
    tlv(ATTR_REALM, Buffer.from('voice-gateway-test')),
    tlv(ATTR_NONCE, Buffer.from('0123456789abcdef')),
  ];
  const body = Buffer.concat(attrs);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(ALLOCATE_ERROR, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  return Buffer.concat([header, body]);
}

function tlv(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}
