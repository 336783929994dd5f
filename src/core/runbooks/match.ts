import type { AlertSource } from '../alert.js';
import type { Runbook } from './schema.js';

export interface MatchInput {
  name: string;
  source: AlertSource;
  labels: Record<string, string>;
}

/** Every given part of `match` must hold; label patterns are anchored. */
export function runbookMatches(runbook: Runbook, alert: MatchInput): boolean {
  const { match } = runbook;
  if (match.alertname && !match.alertname.includes(alert.name)) return false;
  if (match.source && !match.source.includes(alert.source)) return false;
  for (const [label, pattern] of Object.entries(match.labels ?? {})) {
    const value = alert.labels[label];
    if (value === undefined || !new RegExp(`^(?:${pattern})$`).test(value)) return false;
  }
  return true;
}

export function matchingRunbooks(runbooks: readonly Runbook[], alert: MatchInput): Runbook[] {
  return runbooks.filter((rb) => runbookMatches(rb, alert));
}
