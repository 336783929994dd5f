import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { waitUntil } from './wait-until.js';

export const FAKE_APP_ID = 'A000FAKE';

/** What Slack pushes down the socket: one event, command or interaction per envelope. */
export interface SocketModeEnvelope {
  envelope_id: string;
  type: 'interactive' | 'slash_commands' | 'events_api';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
}

/** What the client sends back for an envelope; `payload` is what a listener passed to `ack()`. */
export interface SocketModeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  at: number;
}

/**
 * Slack's Socket Mode endpoint, mounted on the fake Web API's server (see fake-slack-api.ts):
 * `apps.connections.open` mints a one-time ticket, the client opens `/link/?ticket=…` on the same
 * port, gets `hello`, and must ack each envelope with `{ envelope_id, payload? }` (Slack retries
 * an envelope left unacked for 3 s). Records every ack; loopback only, like the server it rides on.
 */
export function createFakeSocketMode(options: { pingIntervalMs?: number } = {}) {
  const tickets = new Set<string>();
  // No server of its own: it completes upgrades handed over by the fake Web API's server.
  // No compression offered, as Slack's endpoint offers none.
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const peers = new Set<WebSocket>();
  const envelopes: SocketModeEnvelope[] = [];
  const acks: SocketModeAck[] = [];
  /**
   * Close codes of the client's close frames, in order (1000: the app disconnected on purpose;
   * 1005: a close frame without a code; 1006: the connection dropped without one).
   */
  const closeCodes: number[] = [];
  const listeners = new Set<() => void>();
  let accepted = 0;

  function onClientMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof (message as { envelope_id?: unknown }).envelope_id !== 'string') return;
    const { envelope_id, payload } = message as { envelope_id: string; payload?: Record<string, unknown> };
    acks.push({ envelope_id, ...(payload !== undefined ? { payload } : {}), at: Date.now() });
    for (const listener of listeners) listener();
  }

  return {
    envelopes,
    acks,
    closeCodes,
    /** Connections accepted so far, including closed ones: a reconnect shows up as 2. */
    accepted: () => accepted,
    /** Connections open now. */
    connections: () => [...peers].filter((p) => p.readyState === WebSocket.OPEN).length,

    /** A ticket for one connection, as `apps.connections.open` hands out in its URL. */
    issueTicket(): string {
      const ticket = randomUUID();
      tickets.add(ticket);
      return ticket;
    },

    /** The server's `upgrade` listener: refuses any path but `/link/` and any unknown or used ticket. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const url = new URL(req.url ?? '/', 'ws://fake');
      if (url.pathname !== '/link/' || !tickets.delete(url.searchParams.get('ticket') ?? '')) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      server.handleUpgrade(req, socket, head, (peer) => {
        accepted += 1;
        peers.add(peer);
        // Slack pings the client; the client drops a connection whose server is silent for 30 s.
        const pinger = setInterval(() => peer.ping('fake-slack'), options.pingIntervalMs ?? 5000).unref();
        // Slack never sends binary frames, and neither does its client: ignore them.
        peer.on('message', (data, isBinary) => {
          if (!isBinary) onClientMessage(data.toString());
        });
        peer.on('close', (code) => {
          clearInterval(pinger);
          peers.delete(peer);
          closeCodes.push(code);
          for (const listener of listeners) listener();
        });
        peer.send(
          JSON.stringify({
            type: 'hello',
            num_connections: peers.size,
            debug_info: { host: 'fake-socket-mode', build_number: 1, approximate_connection_time: 18060 },
            connection_info: { app_id: FAKE_APP_ID },
          }),
        );
      });
    },

    /** Pushes an envelope down the newest open connection and returns its envelope_id. */
    push(type: SocketModeEnvelope['type'], payload: Record<string, unknown>, acceptsResponsePayload: boolean): string {
      const peer = [...peers].filter((p) => p.readyState === WebSocket.OPEN).at(-1);
      if (!peer) throw new Error('fake Socket Mode: no open connection to push to (did the bot call apps.connections.open?)');
      const envelope: SocketModeEnvelope = { envelope_id: randomUUID(), type, payload, accepts_response_payload: acceptsResponsePayload };
      envelopes.push(envelope);
      peer.send(JSON.stringify(envelope));
      return envelope.envelope_id;
    },

    /** The acks received for one envelope (Slack expects exactly one). */
    acksFor: (envelopeId: string) => acks.filter((a) => a.envelope_id === envelopeId),

    /** Resolves with the envelope's first ack; rejects after `timeoutMs`. */
    waitForAck(envelopeId: string, timeoutMs = 5000): Promise<SocketModeAck> {
      return waitUntil(listeners, () => acks.find((a) => a.envelope_id === envelopeId), timeoutMs, () =>
        `fake Socket Mode: envelope ${envelopeId} not acked within ${timeoutMs} ms; acks: [${acks.map((a) => a.envelope_id).join(', ')}]`,
      );
    },

    /** Closes every connection (1001: going away), waiting briefly for each client to answer. */
    async close(): Promise<void> {
      await Promise.all([...peers].map((p) => closePeer(p, 1001, 500)));
      server.close();
    },
  };
}

export type FakeSocketMode = ReturnType<typeof createFakeSocketMode>;

/** Starts the closing handshake; drops the connection if the client has not answered within graceMs. */
async function closePeer(peer: WebSocket, code: number, graceMs: number): Promise<void> {
  if (peer.readyState === WebSocket.CLOSED) return;
  const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
  peer.close(code);
  const timer = setTimeout(() => peer.terminate(), graceMs);
  await closed;
  clearTimeout(timer);
}
