import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { startFakeOidc } from '../fakes/fake-oidc.js';
import type { FakeOidc } from '../fakes/fake-oidc.js';
import { CHANNEL, SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const AUDIENCE = 'chatops-api';

describe('operator sign-in with OIDC against a local issuer', () => {
  let h: Harness;
  let idp: FakeOidc;

  const call = (token: string, path = '/api/incidents', init: RequestInit = {}) =>
    fetch(`${h.bot.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  const killSwitch = (token: string, state: 'on' | 'off', scope = 'service:checkout-api') =>
    call(token, '/api/kill-switches', { method: 'POST', body: JSON.stringify({ scope, state, reason: 'bad deploy, stopping automation' }) });

  beforeAll(async () => {
    idp = await startFakeOidc(AUDIENCE);
    h = await startHarness({ OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: AUDIENCE }, { oidcJwksCooldownMs: 0 });
  });
  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  it('lets any valid token read, and says who it is and what it may do', async () => {
    const viewer = await idp.token('viewer-1', { preferred_username: 'vera' });
    expect((await call(viewer)).status).toBe(200);
    const me = await (await call(viewer, '/api/me')).json();
    expect(me).toEqual({ id: 'oidc:viewer-1', name: 'vera', authorities: [], may: { engageKillSwitch: false, releaseKillSwitch: false } });
  });

  it('refuses a viewer a kill switch with 403 naming the authorities it lacks, and audits the refusal', async () => {
    const viewer = await idp.token('viewer-1', { preferred_username: 'vera', roles: ['READ_ONLY', 'AUTO_ENGINE_TYPO'] });
    const res = await killSwitch(viewer, 'on');
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; needs: string[] };
    expect(body.needs).toEqual(['ON_CALL_SRE', 'HUMAN_OPERATOR', 'EMERGENCY_OVERRIDE']);
    expect(body.error).toBe('turning kill switches on needs one of ON_CALL_SRE, HUMAN_OPERATOR, EMERGENCY_OVERRIDE; this caller holds no authority.');
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=CONTROLS&kind=killswitch.refused');
    expect(records.at(-1)).toMatchObject({ operator: 'oidc:viewer-1', trigger: 'api', outcome: 'FAILURE' });
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it('lets a token whose roles claim names a policy authority engage a switch: stored, audited, announced', async () => {
    const sre = await idp.token('sre-7', { preferred_username: 'sam', roles: ['ON_CALL_SRE'] });
    const res = await killSwitch(sre, 'on');
    expect(res.status).toBe(200);
    const { switch: stored } = (await res.json()) as { switch: Record<string, unknown> };
    expect(stored).toMatchObject({ scope: 'service:checkout-api', engaged: true, by: 'oidc:sre-7', authority: 'ON_CALL_SRE', reason: 'bad deploy, stopping automation' });
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([stored]);
    const { records } = await h.api<{ records: AuditRecord[] }>('/api/audit?incident=CONTROLS&kind=killswitch.engaged');
    expect(records.at(-1)).toMatchObject({ operator: 'oidc:sre-7', authority: 'ON_CALL_SRE', trigger: 'api', targetResource: 'service:checkout-api' });
    await h.settle();
    const announced = h.slack.accepted('chat.postMessage').map((c) => c.args).filter((a) => a.channel === CHANNEL && String(a.text).startsWith('Kill switch'));
    expect(announced.at(-1)?.text).toBe('Kill switch `service:checkout-api` :octagonal_sign: engaged by sam (operator API): bad deploy, stopping automation');
  });

  it('holds OPERATOR_TOKEN_AUTHORITY (EMERGENCY_OVERRIDE) for the static token, which may release', async () => {
    const res = await killSwitch(SECRETS.OPERATOR_TOKEN, 'off');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { switch: unknown }).switch).toMatchObject({ engaged: false, by: 'operator-token', authority: 'EMERGENCY_OVERRIDE' });
  });

  it('allows a minute of clock skew, and no more', async () => {
    expect((await call(await idp.token('viewer-3', {}, { expiresIn: -30 }))).status).toBe(200);
    expect((await call(await idp.token('viewer-3', {}, { expiresIn: -90 }))).status).toBe(401);
  });

  it.each([
    ['an expired token', () => idp.token('sre-7', { roles: ['ON_CALL_SRE'] }, { expiresIn: -3600 }), 'the token has expired'],
    ['a token not valid for another hour (nbf)', () => idp.token('sre-7', { roles: ['ON_CALL_SRE'], nbf: Math.floor(Date.now() / 1000) + 3600 }), 'claim nbf'],
    ['a token for another audience', () => idp.token('sre-7', { roles: ['ON_CALL_SRE'] }, { audience: 'another-api' }), 'claim aud'],
    ['a token from another issuer', () => idp.token('sre-7', { roles: ['ON_CALL_SRE'] }, { issuer: 'https://evil.example' }), 'claim iss'],
    ['an unsigned token (alg: none)', async () => idp.unsignedToken('sre-7', { roles: ['ON_CALL_SRE'] }), 'HMAC and none are refused'],
    ['an HMAC token keyed with the issuer public key', () => idp.hmacToken('sre-7', { roles: ['ON_CALL_SRE'] }), 'HMAC and none are refused'],
    ['a token signed by a key the issuer does not publish', () => idp.token('sre-7', { roles: ['ON_CALL_SRE'] }, { foreignKey: true }), 'signature does not verify'],
    ['something that is not a JWT', async () => 'not-a-jwt-and-not-the-operator-token', 'not a well-formed signed JWT'],
  ])('answers 401 to %s, for reads and writes alike', async (_what, mint, reason) => {
    const token = await mint();
    for (const res of [await call(token), await killSwitch(token, 'on', 'global')]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="chatops"');
      expect(((await res.json()) as { error: string }).error).toContain(reason);
    }
    expect(await h.bot.deps.killSwitches.listEngaged()).toEqual([]);
  });

  it('caches the keys, and follows a rotation: a token under the new key is accepted once the keys are fetched again; the retired key no longer is', async () => {
    const before = await idp.token('viewer-2');
    expect((await call(before)).status).toBe(200);
    const fetched = idp.jwksFetches();
    // Cached: every token so far, accepted or not, was checked against one fetch of the keys.
    expect(fetched).toBe(1);
    await idp.rotate();
    const after = await idp.token('viewer-2');
    expect((await call(after)).status).toBe(200);
    expect(idp.jwksFetches()).toBe(fetched + 1);
    expect((await call(before)).status).toBe(401);
  });
});
