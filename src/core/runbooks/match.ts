import type { AlertSource } from '../alert.js';
import type { MatchRule, Runbook } from './schema.js';

export interface MatchInput {
  name: string;
  source: AlertSource;
  labels: Record<string, string>;
}

/** Some rule of `match` holds: every given part of it; label patterns are anchored. */
export function runbookMatches(runbook: Runbook, alert: MatchInput): boolean {
  return runbook.match.some((rule) => ruleMatches(rule, alert));
}

function ruleMatches(match: MatchRule, alert: MatchInput): boolean {
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
