import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { authoritiesNamed } from '../../core/policy/authority.js';
import type { Operator } from '../../core/policy/authority.js';
import type { Policy } from '../../core/policy/schema.js';
import type { RemoteAddress } from './auth.js';
import { isLoopback, presentedToken, secretMatcher } from './auth.js';
import type { OidcVerifier } from './oidc-verifier.js';

/** Hono variables set by {@link authenticateOperator}. */
export interface OperatorVariables {
  operator: Operator;
}

export interface OperatorAuthOptions {
  /** OPERATOR_TOKEN: the static break-glass credential. */
  token?: string;
  /** OPERATOR_TOKEN_AUTHORITY: what the static token (and a loopback caller, when nothing is configured) holds. */
  tokenAuthority: string;
  oidc?: OidcVerifier;
  /** The policy in force (read per request, so a reloaded policy applies at once). */
  policy: () => Policy;
  remoteAddress: RemoteAddress;
  log: Logger;
}

/**
 * Who is calling `/api/*`, set as `c.var.operator`:
 * - an OIDC bearer token from OIDC_ISSUER for OIDC_AUDIENCE: may read; holds the policy authorities
 *   named in its roles claim;
 * - the static OPERATOR_TOKEN: holds OPERATOR_TOKEN_AUTHORITY;
 * - neither configured: loopback callers only, holding OPERATOR_TOKEN_AUTHORITY (the machine is
 *   the credential, as for the quick start).
 * Anything else is 401. Authority is checked per write, where the policy says what is needed.
 */
export function authenticateOperator(options: OperatorAuthOptions): MiddlewareHandler<{ Variables: OperatorVariables }> {
  const { token, oidc, log } = options;
  const isToken = token ? secretMatcher(token) : () => false;
  const expected = [token ? 'OPERATOR_TOKEN' : undefined, oidc ? 'an access token from OIDC_ISSUER for OIDC_AUDIENCE' : undefined].filter(Boolean).join(' or ');
  const challenge = { 'WWW-Authenticate': 'Bearer realm="chatops"' };
  const body = (reason: string) => ({ error: `${reason}: send "Authorization: Bearer <${expected}>"` });

  return async (c, next) => {
    if (!token && !oidc) {
      if (!isLoopback(options.remoteAddress(c))) {
        return c.json({ error: 'OPERATOR_TOKEN and OIDC_ISSUER are not set, so only loopback callers are accepted; set one of them to sign in from elsewhere' }, 401);
      }
      c.set('operator', staticOperator('loopback', 'loopback caller', options));
      return next();
    }
    const presented = presentedToken(c.req.header('authorization'));
    if (!presented) return c.json(body('missing bearer token'), 401, challenge);
    if (isToken(presented)) {
      c.set('operator', staticOperator('operator-token', 'OPERATOR_TOKEN', options));
      return next();
    }
    if (!oidc) return c.json(body('wrong token'), 401, challenge);
    const verdict = await oidc.verify(presented);
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason, path: c.req.path }, 'refused an operator token');
      return c.json(body(`token refused: ${verdict.reason}`), 401, challenge);
    }
    const authorities = authoritiesNamed(options.policy(), verdict.roles);
    c.set('operator', { id: `oidc:${verdict.subject}`, display: verdict.name, authorities, via: 'api' });
    return next();
  };
}

function staticOperator(id: string, display: string, options: OperatorAuthOptions): Operator {
  return { id, display, authorities: authoritiesNamed(options.policy(), [options.tokenAuthority]), via: 'api' };
}
