import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The server side of a WebSocket (RFC 6455), just enough for fakes: text frames, ping/pong, the
 * closing handshake. No extensions are offered, so clients send plain uncompressed frames. (The
 * `ws` package is not installed: @slack/socket-mode 3 uses undici's WebSocket client.)
 */
export interface WebSocketPeer {
  /** Sends one text frame. */
  send(text: string): void;
  ping(data?: string): void;
  /** Starts the closing handshake; the socket is destroyed if the client does not answer within graceMs. */
  close(code?: number, graceMs?: number): Promise<void>;
  readonly open: boolean;
  onMessage(listener: (text: string) => void): void;
  /** `code` is the one in the client's close frame; undefined if the connection just dropped. */
  onClose(listener: (code: number | undefined) => void): void;
}

/** RFC 6455 §1.3: the server proves it read the handshake by hashing the key with this GUID. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Completes the upgrade handshake for an `upgrade` event, or answers 400 and returns undefined. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketPeer | undefined {
  const key = req.headers['sec-websocket-key'];
  if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket' || req.headers['sec-websocket-version'] !== '13' || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return undefined;
  }
  const accept = createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, '', ''].join('\r\n'));

  const messageListeners: ((text: string) => void)[] = [];
  const closeListeners: ((code: number | undefined) => void)[] = [];
  let buffered = Buffer.from(head);
  let fragments: Buffer[] = [];
  let fragmentOpcode = 0;
  let closeSent = false;
  let closeCode: number | undefined;
  let open = true;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const write = (opcode: number, payload: Buffer) => {
    if (!socket.writable) return;
    socket.write(Buffer.concat([frameHeader(opcode, payload.length), payload]));
  };
  const sendClose = (code: number) => {
    if (closeSent) return;
    closeSent = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    write(OPCODE.close, payload);
  };

  const onFrame = (fin: boolean, opcode: number, payload: Buffer) => {
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary:
      case OPCODE.continuation: {
        if (opcode !== OPCODE.continuation) {
          fragmentOpcode = opcode;
          fragments = [];
        }
        fragments.push(payload);
        if (!fin) return;
        const message = Buffer.concat(fragments);
        fragments = [];
        // Slack never sends binary frames, and neither does its client: ignore them.
        if (fragmentOpcode === OPCODE.text) for (const listener of messageListeners) listener(message.toString('utf8'));
        return;
      }
      case OPCODE.close:
        closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        // Echo the client's code (RFC 6455 §5.5.1), then the server closes the TCP connection.
        sendClose(closeCode ?? 1000);
        socket.end();
        return;
      case OPCODE.ping:
        write(OPCODE.pong, payload);
        return;
      default:
        return; // pong, or a reserved opcode
    }
  };

  const readFrames = () => {
    for (;;) {
      if (buffered.length < 2) return;
      const b0 = buffered[0]!;
      const b1 = buffered[1]!;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      // RFC 6455 §5.1: a client must mask every frame, and a server must close on one that is not.
      if ((b1 & 0x80) === 0) {
        sendClose(1002);
        socket.end();
        return;
      }
      if (buffered.length < offset + 4 + length) return;
      const mask = buffered.subarray(offset, offset + 4);
      const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
      buffered = buffered.subarray(offset + 4 + length);
      onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    readFrames();
  });
  socket.on('error', () => socket.destroy());
  socket.once('close', () => {
    open = false;
    for (const listener of closeListeners) listener(closeCode);
  });
  readFrames();

  return {
    send: (text) => write(OPCODE.text, Buffer.from(text, 'utf8')),
    ping: (data = '') => write(OPCODE.ping, Buffer.from(data, 'utf8')),
    async close(code = 1000, graceMs = 1000) {
      if (!open) return;
      sendClose(code);
      const timer = setTimeout(() => socket.destroy(), graceMs);
      await closed;
      clearTimeout(timer);
    },
    get open() {
      return open;
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onClose: (listener) => void closeListeners.push(listener),
  };
}

/** A final (FIN) unmasked frame header: servers never mask. */
function frameHeader(opcode: number, length: number): Buffer {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 0x10000) {
    const header = Buffer.from([0x80 | opcode, 126, 0, 0]);
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}
