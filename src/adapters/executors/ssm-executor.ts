import {
  DescribeAutomationExecutionsCommand,
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';
import type { AutomationExecution, AutomationExecutor } from '../../services/ports.js';
import { AutomationError } from './automation-error.js';
import { awsErrorName, isTransientAwsError } from './aws-errors.js';
import { RetryError, withRetries } from './retry.js';

export { AutomationError } from './automation-error.js';

/**
 * The tag every execution the bot starts carries, its key naming the ClientToken (SSM lists
 * executions by tag key, not by ClientToken): DescribeAutomationExecutions finds a start whose
 * answer was lost.
 */
export const clientTokenTag = (clientToken: string) => `chatops:${clientToken}`;

export interface SsmExecutorOptions {
  /** Built with `maxAttempts: 1` (see `createSsmClient`): retries happen here, not in the SDK. */
  client: SSMClient;
  log: Logger;
  /** Injectable so tests do not wait out the backoff. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Told of each retry (chatops_action_retries_total). */
  onRetry?: (operation: string) => void;
}

/**
 * AWS Systems Manager Automation behind the {@link AutomationExecutor} port. Every call is retried at
 * most 3 times on transient errors (throttling, 5xx, timeouts, dropped connections) with backoff
 * capped at 5 s; a call that still fails, or fails in a way retrying cannot fix, throws an
 * {@link AutomationError} carrying the last error.
 */
export function createSsmExecutor(options: SsmExecutorOptions): AutomationExecutor {
  const { client, log } = options;

  async function call<T>(operation: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(fn, {
        isTransient: isTransientAwsError,
        ...(options.sleep && { sleep: options.sleep }),
        ...(options.random && { random: options.random }),
        onRetry: ({ attempt, delayMs, error }) => {
          options.onRetry?.(operation);
          log.warn(
            { ...fields, operation, attempt, delayMs, error: awsErrorName(error), message: (error as Error).message },
            'transient SSM error, retrying',
          );
        },
      });
    } catch (error) {
      if (!(error instanceof RetryError)) throw error;
      const failure = new AutomationError({
        operation,
        cause: error.cause,
        attempts: error.attempts,
        transient: error.transient,
      });
      log.error({ ...fields, operation, attempts: failure.attempts, error: failure.errorName }, failure.message);
      throw failure;
    }
  }

  return {
    async start({ DocumentName, Parameters, ClientToken }, startOptions) {
      // Retrying a start is safe only because of the ClientToken: if the first attempt reached SSM
      // and only its answer was lost, SSM returns the same execution instead of starting another.
      // `beforeAttempt` runs before every attempt, retries included: the guards' last word.
      const output = await call('StartAutomationExecution', { documentName: DocumentName, clientToken: ClientToken }, async () => {
        await startOptions?.beforeAttempt?.();
        return client.send(new StartAutomationExecutionCommand({ DocumentName, Parameters, ClientToken, Tags: [{ Key: clientTokenTag(ClientToken), Value: 'chatops-bot' }] }));
      });
      if (!output.AutomationExecutionId) {
        throw new AutomationError({
          operation: 'StartAutomationExecution',
          cause: new Error(`SSM accepted ${DocumentName} but returned no AutomationExecutionId`),
          attempts: 1,
          transient: false,
        });
      }
      log.info({ documentName: DocumentName, executionId: output.AutomationExecutionId }, 'automation started');
      return output.AutomationExecutionId;
    },

    async get(executionId) {
      const output = await call('GetAutomationExecution', { executionId }, () =>
        client.send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId })),
      );
      const execution = output.AutomationExecution;
      if (!execution) {
        throw new AutomationError({
          operation: 'GetAutomationExecution',
          cause: new Error(`SSM returned no AutomationExecution for ${executionId}`),
          attempts: 1,
          transient: false,
        });
      }
      const result: AutomationExecution = {
        executionId: execution.AutomationExecutionId ?? executionId,
        status: execution.AutomationExecutionStatus ?? 'Pending',
        outputs: execution.Outputs ?? {},
      };
      if (execution.FailureMessage) result.failureMessage = execution.FailureMessage;
      return result;
    },

    async find(clientToken) {
      const output = await call('DescribeAutomationExecutions', { clientToken }, () =>
        client.send(new DescribeAutomationExecutionsCommand({ Filters: [{ Key: 'TagKey', Values: [clientTokenTag(clientToken)] }], MaxResults: 5 })),
      );
      return output.AutomationExecutionMetadataList?.[0]?.AutomationExecutionId;
    },

    async stop(executionId) {
      await call('StopAutomationExecution', { executionId }, () =>
        client.send(new StopAutomationExecutionCommand({ AutomationExecutionId: executionId, Type: 'Cancel' })),
      );
      log.info({ executionId }, 'automation stop requested');
    },
  };
}
