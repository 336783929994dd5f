import type { Config } from './schema.js';
import { configSchema } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the environment. Empty strings count as unset (a blank line in an env file should
 * not switch a feature on). Throws ConfigError naming every bad variable and what it expects.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}

/** One line saying what is not configured, so an operator sees it at start-up. */
export function describeMissing(config: Config): string[] {
  const missing: string[] = [];
  if (!config.SLACK_BOT_TOKEN) missing.push('Slack off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET unset): incidents are kept in the store and the operator API only');
  if (!config.PAGERDUTY_ROUTING_KEY) missing.push('PagerDuty paging off (PAGERDUTY_ROUTING_KEY unset)');
  if (config.PAGERDUTY_ROUTING_KEY && !config.PAGERDUTY_API_TOKEN) missing.push('PAGERDUTY_API_TOKEN unset: /oncall and escalations cannot say who is on call');
  if (config.DRY_RUN) missing.push('DRY_RUN=true: actions are recorded, not executed');
  if (!config.ALERT_WEBHOOK_TOKEN) missing.push('ALERT_WEBHOOK_TOKEN unset: /alerts/* accepts loopback callers only');
  if (!config.OPERATOR_TOKEN && !config.OIDC_ISSUER) missing.push('OPERATOR_TOKEN and OIDC_ISSUER unset: /api/* and /console accept loopback callers only');
  return missing;
}
