import { createHash, createSecretKey, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { JWK, JWTPayload, CryptoKey } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface TokenOptions {
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
  /** Sign with a key the issuer does not publish, under the kid of one it does. */
  foreignKey?: boolean;
}

export interface FakeOidc {
  /** The issuer URL (also its base URL): http://127.0.0.1:<port>. */
  issuer: string;
  /** A signed access token for `subject` with these claims (roles, names…). */
  token(subject: string, claims?: JWTPayload, options?: TokenOptions): Promise<string>;
  /** A token with `alg: none` and no signature. */
  unsignedToken(subject: string, claims?: JWTPayload): string;
  /** An HS256 token whose HMAC secret is the issuer's public key (the classic algorithm confusion). */
  hmacToken(subject: string, claims?: JWTPayload): Promise<string>;
  /** A new signing key replaces the current one in the published set. */
  rotate(): Promise<void>;
  /** Who the authorization endpoint signs in, with which claims (the user "typing their password"). */
  signInAs(subject: string, claims: JWTPayload): void;
  /** Requests to the key set, to see when it was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * A small OIDC issuer on 127.0.0.1 with generated RSA keys: discovery, JWKS, an authorization
 * endpoint that signs in a preset user at once (code flow with PKCE, S256 checked) and a token
 * endpoint, with CORS as a browser client needs. Tokens for tests are minted directly.
 */
export async function startFakeOidc(audience: string): Promise<FakeOidc> {
  let current = await newKey();
  const stranger = await newKey();
  let fetches = 0;
  let user: { subject: string; claims: JWTPayload } = { subject: 'nobody', claims: {} };
  const codes = new Map<string, { challenge: string; clientId: string; redirectUri: string; subject: string; claims: JWTPayload }>();
  let issuer = '';

  async function sign(subject: string, claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .sign(options.foreignKey ? stranger.privateKey : current.privateKey);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' };
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', ...cors });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(200, { issuer, jwks_uri: `${issuer}/jwks`, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'] });
      }
      if (url.pathname === '/jwks') {
        fetches++;
        return json(200, { keys: [current.publicJwk] });
      }
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(400, { error: 'invalid_request' });
        const code = randomUUID();
        codes.set(code, { challenge: q.get('code_challenge') ?? '', clientId: q.get('client_id') ?? '', redirectUri: q.get('redirect_uri') ?? '', ...user });
        const back = new URL(q.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.writeHead(302, { location: back.toString() });
        return void res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await text(req));
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const proof = createHash('sha256').update(verifier).digest('base64url');
        if (!grant || grant.challenge !== proof || grant.clientId !== form.get('client_id') || grant.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
        return json(200, { token_type: 'Bearer', expires_in: 300, access_token: await sign(grant.subject, grant.claims), id_token: await sign(grant.subject, grant.claims, { audience: grant.clientId }) });
      }
      json(404, { error: 'not_found' });
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    token: sign,
    unsignedToken(subject, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      return `${header}.${b64url(JSON.stringify({ ...claims, sub: subject, iss: issuer, aud: audience, iat: now, exp: now + 300 }))}.`;
    },
    async hmacToken(subject, claims = {}) {
      const { importJWK } = await import('jose');
      const publicPem = await exportSPKI((await importJWK(current.publicJwk, 'RS256')) as CryptoKey);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', kid: current.kid })
        .setSubject(subject)
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(now + 300)
        .sign(createSecretKey(Buffer.from(publicPem)));
    },
    async rotate() {
      current = await newKey();
    },
    signInAs(subject, claims) {
      user = { subject, claims };
    },
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
