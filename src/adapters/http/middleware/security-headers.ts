import type { MiddlewareHandler } from 'hono';

export interface SecurityHeaderOptions {
  /** Origins the console's script may call besides its own (the OIDC issuer's token endpoint). */
  connectSrc?: readonly string[];
}

/**
 * Security headers on every answer, errors and streams included. The CSP allows no inline script
 * or style: the console's script and style are served as files of their own. HSTS only over HTTPS
 * (TLS here, or `X-Forwarded-Proto: https` from the proxy that terminates it): sent over plain HTTP
 * it would be ignored at best, and pin a name that has no TLS at worst.
 */
export function securityHeaders(options: SecurityHeaderOptions = {}): MiddlewareHandler {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${["'self'", ...(options.connectSrc ?? [])].join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', csp);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the
    // console's own POSTs, which the loopback cross-site check would then refuse.
    h.set('Referrer-Policy', 'same-origin');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/console')) h.set('Cache-Control', 'no-store');
    if (overHttps(c.req.url, c.req.header('x-forwarded-proto'))) h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}

function overHttps(url: string, forwardedProto: string | undefined): boolean {
  // A chain of proxies appends: the first value is what the client used.
  return url.startsWith('https:') || forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
}
