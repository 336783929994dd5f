import { Hono } from 'hono';
import type { Logger } from 'pino';
import { CONSOLE_PAGE } from '../console/console-page.js';
import { CONSOLE_SESSION_SCRIPT } from '../console/console-session.js';
import { CONSOLE_STYLE } from '../console/console-style.js';
import { CONSOLE_VIEWS_SCRIPT } from '../console/console-views.js';
import type { OidcVerifier } from '../oidc-verifier.js';

export interface ConsoleOptions {
  /** With OIDC on and OIDC_CLIENT_ID set, the console offers single sign-on. */
  oidc?: { verifier: OidcVerifier; issuer: string; audience: string; clientId?: string };
  log: Logger;
}

const SCRIPT = `${CONSOLE_SESSION_SCRIPT}\n${CONSOLE_VIEWS_SCRIPT}`;

/**
 * `/console` and its assets. None of them holds data: the page signs in (token or OIDC) and reads
 * everything from /api/* with the bearer token, so they are served without authentication.
 */
export function consoleRoutes(options: ConsoleOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html(CONSOLE_PAGE));
  app.get('/console.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/console.css', (c) => c.body(CONSOLE_STYLE, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/config.json', async (c) => c.json({ oidc: await oidcForConsole(options) }));
  return app;
}

async function oidcForConsole({ oidc, log }: ConsoleOptions) {
  if (!oidc?.clientId) return null;
  try {
    const doc = await oidc.verifier.discovery();
    if (!doc.authorization_endpoint || !doc.token_endpoint) return { error: `${oidc.issuer} publishes no authorization or token endpoint` };
    return { issuer: oidc.issuer, clientId: oidc.clientId, audience: oidc.audience, scope: 'openid profile email', authorizationEndpoint: doc.authorization_endpoint, tokenEndpoint: doc.token_endpoint };
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'console sign-in: the OIDC issuer could not be reached');
    return { error: `the issuer could not be reached (${(err as Error).message})` };
  }
}
