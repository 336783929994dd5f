import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'expected true or false' }) })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const optionalUrl = z.string().url('expected a URL such as https://example.com').optional();
const optionalSecret = z.string().min(8, 'expected at least 8 characters').optional();

/** An issuer is trusted for its keys: only over TLS, except on loopback (local issuers, tests). */
function httpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return true; // .url() names that problem
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}

/** DESIGN §2.2. Every variable, validated at start-up; a bad value names the variable. */
export const configSchema = z
  .object({
    PORT: z.coerce.number({ invalid_type_error: 'expected a port number' }).int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'expected a bot token starting with xoxb-').optional(),
    SLACK_SIGNING_SECRET: z.string().min(8, 'expected the signing secret from the Slack app page').optional(),
    SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'expected an app-level token starting with xapp-').optional(),
    SLACK_API_URL: z.string().url('expected a URL such as https://slack.com/api/').default('https://slack.com/api/'),
    SLACK_INCIDENT_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'expected a channel id such as C0123456789').optional(),
    STORE: z.enum(['embedded', 'dynamodb'], { errorMap: () => ({ message: 'expected embedded or dynamodb' }) }).default('embedded'),
    DATA_DIR: z.string().min(1).default('./data'),
    TABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{0,200}$/, 'expected letters, digits, _ . or -').default('chatops-'),
    AWS_REGION: z.string().optional(),
    AWS_ENDPOINT_URL_DYNAMODB: optionalUrl,
    AWS_ENDPOINT_URL_SSM: optionalUrl,
    DRY_RUN: bool(true),
    RUNBOOKS_DIR: z.string().min(1).default('./runbooks'),
    POLICY_FILE: z.string().min(1).optional(),
    ALERT_WEBHOOK_TOKEN: optionalSecret,
    OPERATOR_TOKEN: optionalSecret,
    OPERATOR_TOKEN_AUTHORITY: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'expected the name of an authority in the policy file, such as EMERGENCY_OVERRIDE')
      .default('EMERGENCY_OVERRIDE'),
    OIDC_ISSUER: z
      .string()
      .url('expected the issuer URL, such as https://login.example.com/realms/ops')
      .refine(httpsOrLoopback, 'expected an https:// URL (http:// only for an issuer on 127.0.0.1, localhost or [::1])')
      .optional(),
    OIDC_AUDIENCE: z.string().min(1).max(500, 'expected at most 500 characters').optional(),
    OIDC_ROLES_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_:/.#-]{1,200}$/, 'expected a claim name such as roles, groups or realm_access.roles')
      .default('roles'),
    OIDC_CLIENT_ID: z.string().min(1).max(500, 'expected at most 500 characters').optional(),
    API_RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ invalid_type_error: 'expected a number of requests per minute, such as 100' })
      .int('expected a whole number of requests per minute')
      .min(1, 'expected at least 1 request per minute')
      .max(100_000, 'expected at most 100000 requests per minute')
      .default(100),
    PAGERDUTY_ROUTING_KEY: z.string().min(20, 'expected a 32-character Events API v2 integration key').optional(),
    PAGERDUTY_API_TOKEN: z.string().min(8).optional(),
    PAGERDUTY_EVENTS_URL: z.string().url().default('https://events.pagerduty.com'),
    PAGERDUTY_API_URL: z.string().url().default('https://api.pagerduty.com'),
    PROMETHEUS_URL: z
      .string()
      .url('expected the Prometheus base URL, such as http://prometheus.monitoring:9090 (the bot calls <url>/api/v1/query)')
      .refine((v) => !URL.canParse(v) || ['http:', 'https:'].includes(new URL(v).protocol), 'expected an http:// or https:// URL, such as http://prometheus.monitoring:9090')
      .optional(),
    PROMETHEUS_BEARER_TOKEN: z.string().min(8, 'expected the bearer token Prometheus (or the proxy in front of it) accepts, at least 8 characters').optional(),
    SNAPSHOT_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name').optional(),
    SNAPSHOT_S3_PREFIX: z.string().max(512).default('chatops-snapshots/'),
    AWS_ENDPOINT_URL_S3: optionalUrl,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.OIDC_ISSUER && !c.OIDC_AUDIENCE) ctx.addIssue({ code: 'custom', path: ['OIDC_AUDIENCE'], message: 'is required with OIDC_ISSUER: the audience (aud) the bot accepts tokens for' });
    if (c.PROMETHEUS_BEARER_TOKEN && !c.PROMETHEUS_URL) ctx.addIssue({ code: 'custom', path: ['PROMETHEUS_URL'], message: 'is required with PROMETHEUS_BEARER_TOKEN: the Prometheus the token is for' });
    if (!c.OIDC_ISSUER && (c.OIDC_AUDIENCE || c.OIDC_CLIENT_ID)) ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'is required when OIDC_AUDIENCE or OIDC_CLIENT_ID is set' });
    const slackOn = Boolean(c.SLACK_BOT_TOKEN || c.SLACK_SIGNING_SECRET || c.SLACK_APP_TOKEN);
    if (!slackOn) return;
    if (!c.SLACK_BOT_TOKEN) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required when Slack is configured' });
    if (!c.SLACK_APP_TOKEN && !c.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)' });
    }
    if (!c.SLACK_INCIDENT_CHANNEL) ctx.addIssue({ code: 'custom', path: ['SLACK_INCIDENT_CHANNEL'], message: 'is required when Slack is configured' });
  })
  .transform((c) => ({ ...c, POLICY_FILE: c.POLICY_FILE ?? `${c.RUNBOOKS_DIR.replace(/\/$/, '')}/policy.yaml` }));

export type Config = z.output<typeof configSchema>;

/** Names of variables whose values must never be logged or shown. */
export const SECRET_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'ALERT_WEBHOOK_TOKEN', 'OPERATOR_TOKEN', 'PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_API_TOKEN', 'PROMETHEUS_BEARER_TOKEN'] as const;
