import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

export type RemoteAddress = (c: Context) => string | undefined;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether a presented secret is `secret`, compared in constant time (hashed first, so lengths do
 * not leak either). The secret's own hash is taken once, not per request.
 */
export function secretMatcher(secret: string): (presented: string) => boolean {
  const expected = sha256(secret);
  return (presented) => timingSafeEqual(sha256(presented), expected);
}

/** `Authorization: Bearer <token>` or HTTP basic auth whose password is the token (Alertmanager's basic_auth). */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/**
 * With a token configured, every caller must present it. Without one, only loopback callers are
 * let in: an unconfigured bot is never open to the network.
 */
export function requireToken({
  token,
  variable,
  remoteAddress,
  challenge,
}: {
  token: string | undefined;
  variable: string;
  remoteAddress: RemoteAddress;
  /**
   * The 401's challenge. `Basic` for webhooks: SNS sends the credentials of its subscription URL
   * only after a Basic challenge. `Bearer` for the operator API and console: a browser answers a
   * Basic challenge with a login prompt, which would hang the console's requests.
   */
  challenge: 'Basic' | 'Bearer';
}): MiddlewareHandler {
  const matches = token ? secretMatcher(token) : undefined;
  return async (c, next) => {
    if (matches) {
      const presented = presentedToken(c.req.header('authorization'));
      if (!presented || !matches(presented)) {
        c.header('WWW-Authenticate', challenge === 'Basic' ? 'Basic realm="chatops", charset="UTF-8"' : 'Bearer realm="chatops"');
        return c.json({ error: `missing or wrong token: send "Authorization: Bearer <${variable}>" or basic auth with it as the password` }, 401);
      }
    } else if (!isLoopback(remoteAddress(c))) {
      return c.json({ error: `${variable} is not set, so only loopback callers are accepted; set ${variable} and send it as a bearer token` }, 401);
    }
    await next();
  };
}
