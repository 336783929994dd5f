import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * 413 for a body over `maxBytes`, decided from Content-Length before a byte is read, or while a
 * chunked body streams in (never after buffering it whole). `Connection: close` so the server does
 * not read the rest of a large body just to keep the connection.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ error: `body: larger than ${maxBytes} bytes`, field: 'body' }, 413, { connection: 'close' }),
  });
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
