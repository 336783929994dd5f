import type { MiddlewareHandler } from 'hono';

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

/** Whether a Host header names this machine (so the browser that sent it was not tricked by DNS). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * For routes open to loopback callers without a token. A browser on this machine is a loopback
 * caller too, so any web page it visits could post to the bot (`text/plain` needs no CORS
 * preflight) or read it after rebinding its own name to 127.0.0.1. Both are refused: the Host must
 * be a loopback name, and an Origin, if sent, must be the bot's own (the console's own POSTs carry it).
 */
export function refuseCrossSite(variable: string): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!isLoopbackHost(host)) {
      return c.json({ error: `Host ${JSON.stringify(host ?? '')} is not a loopback name: without ${variable} only requests to 127.0.0.1, localhost or [::1] are accepted` }, 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      return c.json({ error: `cross-site request from ${JSON.stringify(origin.slice(0, 200))} refused: without ${variable} only this machine's own pages and tools may call the bot` }, 403);
    }
    return next();
  };
}
