import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * 413 for a body over `maxBytes`, decided from Content-Length before a byte is read, or while a
 * chunked body streams in (never after buffering it whole). `Connection: close` so the server does
 * not read the rest of a large body just to keep the connection. A declared length is checked from
 * the header alone, so the body stays unread for the route (see `readJson`): Hono's check would
 * build a Web request around it first.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge: Parameters<typeof bodyLimit>[0]['onError'] = (c) => c.json({ error: `body: larger than ${maxBytes} bytes`, field: 'body' }, 413, { connection: 'close' });
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(declared, 10) > maxBytes ? tooLarge(c) : next();
    }
    return streamed(c, next);
  };
}

/**
 * 415 unless the body's media type is one of `accepted` (parameters such as charset are ignored).
 * Only requests that carry a body are checked.
 */
export function requireMediaType(accepted: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (!type || !accepted.includes(type)) {
      return c.json({ error: `content-type: expected ${accepted.join(' or ')}, got ${type ? JSON.stringify(type.slice(0, 100)) : 'none'}`, field: 'content-type' }, 415);
    }
    return next();
  };
}
