import http from 'node:http';
import { waitUntil } from './wait-until.js';

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseClient {
  status: number;
  /** The body of an answer other than 200. */
  body: string;
  events: SseEvent[];
  /** The `event: audit` ones, as id and parsed data. */
  audits<T = Record<string, unknown>>(): { id: string; record: T }[];
  /** Resolves with the first event `find` accepts, once it has arrived. */
  waitFor(find: (e: SseEvent, index: number) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Stops reading from the socket (a client that cannot keep up), and starts again. */
  pause(): void;
  resume(): void;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * A server-sent events client over node:http, so a test can stop reading (`pause`) and see what a
 * slow client sees. Parses events as EventSource does: fields per line, an event per blank line.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      const events: SseEvent[] = [];
      const listeners = new Set<() => void>();
      let buffer = '';
      let body = '';
      let endedResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200) {
          body += chunk;
          return;
        }
        buffer += chunk.replace(/\r\n/g, '\n');
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const e: SseEvent = { event: 'message', data: '' };
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            fields += 1;
            if (field === 'event') e.event = value;
            else if (field === 'id') e.id = value;
            else if (field === 'data') e.data += (e.data ? '\n' : '') + value;
          }
          if (fields > 0) events.push(e);
        }
        for (const l of [...listeners]) l();
      });
      res.on('end', () => {
        endedResolve();
        for (const l of [...listeners]) l();
      });
      res.on('close', endedResolve);
      // The server cut the connection (a dropped client that never read on): the stream has ended.
      res.on('error', endedResolve);
      resolve({
        status: res.statusCode ?? 0,
        get body() {
          return body;
        },
        events,
        audits: <T>() => events.filter((e) => e.event === 'audit').map((e) => ({ id: e.id ?? '', record: JSON.parse(e.data) as T })),
        waitFor: (find, timeoutMs = 15_000) =>
          waitUntil(listeners, () => events.find(find), timeoutMs, () => `no such event among ${events.length}: ${events.slice(-5).map((e) => `${e.event} ${e.id ?? ''}`).join(', ')}`),
        pause: () => res.pause(),
        resume: () => res.resume(),
        ended,
        close: () => req.destroy(),
      });
    });
  });
}
