import { SSMClient } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import { withCallTimeout } from '../aws/call-timeout.js';

/**
 * How long one SSM call may take. A start or a poll that gets no answer is aborted and counts as a
 * transient failure: the executor retries it (a start safely, by its ClientToken) and a poll that
 * keeps failing is recorded and resumed, instead of leaving a proposal `running` with nothing said.
 */
export const SSM_CALL_TIMEOUT_MS = 10_000;

export interface SsmClientOptions {
  /** Defaults to the SDK's own lookup (AWS_REGION, profile). */
  region?: string;
  /**
   * A local fake or VPC endpoint. Without it the SDK also honours `AWS_ENDPOINT_URL_SSM`, which is
   * how the e2e tests point the bot at the fake SSM.
   */
  endpoint?: string;
  /** Defaults to the SDK's provider chain (env, profile, instance or task role). */
  credentials?: SSMClientConfig['credentials'];
  /** Per call; defaults to SSM_CALL_TIMEOUT_MS. */
  callTimeoutMs?: number;
}

/**
 * Builds the SSM client the executor uses. The SDK's own retries are switched off
 * (`maxAttempts: 1`): the executor owns retries, so they are bounded to DESIGN §2.7's three, each one
 * is logged, and the last error reaches the audit record instead of being swallowed by the SDK.
 */
export function createSsmClient(options: SsmClientOptions = {}): SSMClient {
  const config: SSMClientConfig = { maxAttempts: 1 };
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return withCallTimeout(new SSMClient(config), options.callTimeoutMs ?? SSM_CALL_TIMEOUT_MS);
}
