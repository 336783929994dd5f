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
  ])('stops on %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}: `));
  });

  it('never repeats a secret value in its error', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'not-a-token-secret-value' });
    } catch (err) {
      expect((err as Error).message).not.toContain('not-a-token-secret-value');
    }
  });
});
