import { awsErrorName } from './aws-errors.js';
import { AutomationFailure } from '../../services/ports.js';

/**
 * An SSM Automation call failed for good. Thrown by the SSM executor after its bounded retries (or at
 * once for an error retrying cannot fix), so the caller can put the last error in the audit record
 * (DESIGN §2.7) and tell the operator what went wrong.
 */
export class AutomationError extends AutomationFailure {
  override readonly name = 'AutomationError';
  /** The SSM operation, e.g. `StartAutomationExecution`. */
  readonly operation: string;
  /** The AWS error name of the last failure (`ThrottlingException`), or a network code (`ECONNRESET`). */
  readonly errorName: string;
  /** Calls made, including the first. */
  readonly attempts: number;
  /** The last error, as the SDK threw it. */
  override readonly cause: unknown;

  constructor(options: { operation: string; cause: unknown; attempts: number; transient: boolean }) {
    const errorName = awsErrorName(options.cause);
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    const tries = options.attempts === 1 ? '1 attempt' : `${options.attempts} attempts`;
    super(`SSM ${options.operation} failed after ${tries}: ${errorName}: ${detail}`, options.transient, { cause: options.cause });
    this.operation = options.operation;
    this.errorName = errorName;
    this.attempts = options.attempts;
    this.cause = options.cause;
  }
}
