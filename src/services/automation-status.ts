import type { AutomationStatus } from './ports.js';

/**
 * SSM Automation statuses after which nothing more will happen. Anything not listed (including a
 * status AWS adds later) counts as still running: polling continues until the poll timeout, which is
 * safer than declaring an unknown state finished.
 */
const TERMINAL: ReadonlySet<string> = new Set<AutomationStatus>([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'Rejected',
  'ChangeCalendarOverrideRejected',
  'Exited',
]);

const SUCCESS: ReadonlySet<string> = new Set<AutomationStatus>(['Success', 'CompletedWithSuccess']);

/** True once the execution has finished, whether it succeeded, failed or was stopped. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL.has(status);
}

/** True only for a finished execution that succeeded. */
export function isSuccessStatus(status: string): boolean {
  return SUCCESS.has(status);
}
