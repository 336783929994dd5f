import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

describe('configuration', () => {
  it('defaults to the embedded store and dry-run', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', STORE: 'embedded', DATA_DIR: './data', DRY_RUN: true, POLICY_FILE: './runbooks/policy.yaml', TABLE_PREFIX: 'chatops-' });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ DRY_RUN: '', SLACK_BOT_TOKEN: '' }).DRY_RUN).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ STORE: 'postgres' }, 'STORE'],
    [{ DRY_RUN: 'maybe' }, 'DRY_RUN'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1234567890' }, 'SLACK_SIGNING_SECRET'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1234567890', SLACK_SIGNING_SECRET: 'abcdefghij' }, 'SLACK_INCIDENT_CHANNEL'],
    [{ SLACK_API_URL: 'not a url' }, 'SLACK_API_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ OIDC_ISSUER: 'https://login.example.com' }, 'OIDC_AUDIENCE'],
    [{ OIDC_ISSUER: 'http://login.example.com', OIDC_AUDIENCE: 'chatops' }, 'OIDC_ISSUER'],
    [{ OIDC_ISSUER: 'not a url', OIDC_AUDIENCE: 'chatops' }, 'OIDC_ISSUER'],
    [{ OIDC_AUDIENCE: 'chatops' }, 'OIDC_ISSUER'],
    [{ OIDC_CLIENT_ID: 'console' }, 'OIDC_ISSUER'],
    [{ OIDC_ROLES_CLAIM: 'roles and groups' }, 'OIDC_ROLES_CLAIM'],
    [{ OPERATOR_TOKEN_AUTHORITY: 'break glass' }, 'OPERATOR_TOKEN_AUTHORITY'],
    [{ API_RATE_LIMIT_PER_MINUTE: '0' }, 'API_RATE_LIMIT_PER_MINUTE'],
    [{ API_RATE_LIMIT_PER_MINUTE: 'lots' }, 'API_RATE_LIMIT_PER_MINUTE'],
    [{ PROMETHEUS_URL: 'prometheus:9090' }, 'PROMETHEUS_URL'],
    [{ PROMETHEUS_BEARER_TOKEN: 'a-long-enough-token' }, 'PROMETHEUS_URL'],
    [{ PROMETHEUS_URL: 'http://prometheus:9090', PROMETHEUS_BEARER_TOKEN: 'short' }, 'PROMETHEUS_BEARER_TOKEN'],
  ])('stops on %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}: `));
  });

  it('defaults the operator sign-in settings', () => {
    expect(loadConfig({})).toMatchObject({ OIDC_ROLES_CLAIM: 'roles', OPERATOR_TOKEN_AUTHORITY: 'EMERGENCY_OVERRIDE', API_RATE_LIMIT_PER_MINUTE: 100 });
  });

  it.each(['https://login.example.com/realms/ops/', 'http://127.0.0.1:8080', 'http://localhost:8080/issuer'])('accepts the issuer %s (https, or http on loopback)', (issuer) => {
    // Kept verbatim: the token's iss must equal it exactly (some issuers end in a slash).
    expect(loadConfig({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: 'chatops' }).OIDC_ISSUER).toBe(issuer);
  });

  it('never repeats a secret value in its error', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'not-a-token-secret-value' });
    } catch (err) {
      expect((err as Error).message).not.toContain('not-a-token-secret-value');
    }
  });
});
