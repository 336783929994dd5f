import type { Config } from '../../config/schema.js';
import type { OperatorSignIn } from './app.js';
import { createOidcVerifier } from './oidc-verifier.js';

/** The operator API's sign-in from the configuration: OPERATOR_TOKEN, OIDC_*, and the API rate limit. */
export function operatorSignIn(config: Config, options: { jwksCooldownMs?: number } = {}): OperatorSignIn {
  const signIn: OperatorSignIn = { tokenAuthority: config.OPERATOR_TOKEN_AUTHORITY, ratePerMinute: config.API_RATE_LIMIT_PER_MINUTE };
  if (config.OPERATOR_TOKEN) signIn.token = config.OPERATOR_TOKEN;
  if (config.OIDC_ISSUER && config.OIDC_AUDIENCE) {
    const settings = { issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE, rolesClaim: config.OIDC_ROLES_CLAIM };
    const verifier = createOidcVerifier(options.jwksCooldownMs === undefined ? settings : { ...settings, jwksCooldownMs: options.jwksCooldownMs });
    signIn.oidc = { verifier, issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE, ...(config.OIDC_CLIENT_ID ? { clientId: config.OIDC_CLIENT_ID } : {}) };
  }
  return signIn;
}
