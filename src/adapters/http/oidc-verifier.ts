import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

export interface OidcSettings {
  /** OIDC_ISSUER, verbatim: a token's `iss` must equal it. */
  issuer: string;
  /** OIDC_AUDIENCE: a token's `aud` must contain it. */
  audience: string;
  /** OIDC_ROLES_CLAIM: a claim name, or a dotted path such as `realm_access.roles`. */
  rolesClaim: string;
  /** How long an unknown `kid` waits before the key set is fetched again (jose's cooldown; default 30 s). */
  jwksCooldownMs?: number;
}

/** What the issuer publishes at `/.well-known/openid-configuration` that the bot and the console use. */
export interface OidcDiscovery {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
}

export type OidcVerdict =
  | { ok: true; subject: string; name: string; roles: string[] }
  | { ok: false; reason: string };

export interface OidcVerifier {
  verify(token: string): Promise<OidcVerdict>;
  /** The issuer's discovery document (fetched once, retried after a failure). */
  discovery(): Promise<OidcDiscovery>;
}

/**
 * Asymmetric algorithms only. HMAC (HS*) is refused: its key would be a secret shared with the
 * issuer, and the classic forgery signs with the issuer's *public* key as the HMAC secret. `none`
 * is never accepted by jose with a key set, and is not in this list either.
 */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clocks drift; a minute either way is what most resource servers allow. */
const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Bearer tokens from one OIDC issuer for one audience, checked with `jose`: signature against the
 * issuer's published keys (fetched, cached, and fetched again when a token names an unknown key,
 * which is how rotation shows), `exp` and `nbf` with a small skew, `iss`, `aud` and the algorithm.
 * Discovery is lazy, so an issuer that is down at start-up does not stop the bot (tokens get 401
 * until it answers; the static OPERATOR_TOKEN still works).
 */
export function createOidcVerifier(settings: OidcSettings, fetchImpl: typeof fetch = fetch): OidcVerifier {
  let discovered: Promise<{ doc: OidcDiscovery; keys: JWTVerifyGetKey }> | undefined;

  function load() {
    discovered ??= discover(settings.issuer, fetchImpl).then((doc) => ({
      doc,
      keys: createRemoteJWKSet(new URL(doc.jwks_uri), settings.jwksCooldownMs === undefined ? {} : { cooldownDuration: settings.jwksCooldownMs }),
    }));
    // A failed discovery is not kept: the next request tries again.
    discovered.catch(() => (discovered = undefined));
    return discovered;
  }

  return {
    async discovery() {
      return (await load()).doc;
    },
    async verify(token) {
      let keys: JWTVerifyGetKey;
      try {
        ({ keys } = await load());
      } catch (err) {
        return { ok: false, reason: `the OIDC issuer could not be reached: ${(err as Error).message}` };
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'sub'],
        });
        return { ok: true, subject: String(payload.sub), name: displayName(payload), roles: claimValues(payload, settings.rolesClaim) };
      } catch (err) {
        return { ok: false, reason: describeJoseError(err) };
      }
    },
  };
}

async function discover(issuer: string, fetchImpl: typeof fetch): Promise<OidcDiscovery> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(5_000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const doc = (await res.json()) as Partial<OidcDiscovery>;
  // OIDC Discovery §4.3: the document must name exactly the issuer it was fetched for.
  if (doc.issuer !== issuer) throw new Error(`${url} names the issuer ${JSON.stringify(doc.issuer)}, not ${issuer}`);
  if (typeof doc.jwks_uri !== 'string' || !URL.canParse(doc.jwks_uri)) throw new Error(`${url} has no jwks_uri`);
  return doc as OidcDiscovery;
}

/**
 * The claim's values as strings: an array, or a space- or comma-separated string. A name with dots
 * is first read as one claim (`https://example.com/roles`), then as a path (`realm_access.roles`).
 */
export function claimValues(payload: JWTPayload, claim: string): string[] {
  let value: unknown = payload[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined), payload);
  }
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** A readable name for audit details and announcements; only plain characters, so it cannot carry markup. */
function displayName(payload: JWTPayload): string {
  const candidates = [payload.preferred_username, payload.email, payload.name, payload.sub];
  const name = candidates.find((c): c is string => typeof c === 'string' && c.length > 0) ?? 'unknown';
  return name.replace(/[^\p{L}\p{N} @._+-]/gu, '').slice(0, 100) || 'unknown';
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim}: ${err.reason === 'check_failed' ? 'not accepted' : 'missing'} (${err.message})`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with an accepted asymmetric algorithm (HMAC and none are refused)';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify with the issuer key';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'not a well-formed signed JWT';
  if (err instanceof errors.JOSEError) return err.message;
  return `could not verify the token: ${(err as Error).message}`;
}
