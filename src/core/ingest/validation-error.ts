import type { z } from 'zod';

/**
 * A payload we refuse, naming the field a sender must fix. The HTTP layer answers it with a 400:
 * Alertmanager does not retry 4xx, so this must only ever mean "malformed", never "try later".
 */
export interface ValidationFailure {
  ok: false;
  /** Dotted path of the offending field (`alerts.0.labels.alertname`), or `body` for the whole payload. */
  field: string;
  /** Readable, starts with the field: `alerts.0.status: expected firing or resolved`. */
  message: string;
}

/** Path segments longer than this are cut, so a hostile 5,000-character key cannot flood a reply or a log. */
const MAX_SEGMENT_LENGTH = 64;
const MAX_RECEIVED_LENGTH = 40;

/** Turns the first zod issue into a failure naming its field. The first is enough to fix the sender. */
export function validationFailure(error: z.ZodError): ValidationFailure {
  const issue = error.issues[0];
  if (!issue) return { ok: false, field: 'body', message: 'body: invalid payload' };
  const field = fieldName(issue.path);
  return { ok: false, field, message: `${field}: ${describeIssue(issue)}` };
}

export function fieldName(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'body';
  return path.map((segment) => truncate(String(segment), MAX_SEGMENT_LENGTH)).join('.');
}

/** zod's default wording ("Invalid enum value. Expected 'a' | 'b'") reads poorly in a 400; say what is expected instead. */
export function describeIssue(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? 'required' : `expected ${issue.expected}, got ${issue.received}`;
    case 'invalid_literal':
      return `expected ${JSON.stringify(issue.expected)}, got ${shown(issue.received)}`;
    case 'invalid_enum_value':
      return `expected ${alternatives(issue.options.map(String))}, got ${shown(issue.received)}`;
    case 'too_small':
      if (issue.minimum === 1 && (issue.type === 'string' || issue.type === 'array')) return 'must not be empty';
      return `must have at least ${String(issue.minimum)} ${unit(issue.type)}`;
    case 'too_big':
      if (issue.type === 'string') return `longer than ${String(issue.maximum)} characters`;
      return `more than ${String(issue.maximum)} ${unit(issue.type)}`;
    default:
      return issue.message;
  }
}

function alternatives(options: string[]): string {
  if (options.length <= 2) return options.join(' or ');
  return `one of ${options.join(', ')}`;
}

function unit(type: string): string {
  return type === 'string' ? 'characters' : type === 'array' ? 'items' : '';
}

/** The rejected value, JSON-quoted (so control characters are escaped) and cut short. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return truncate(text, MAX_RECEIVED_LENGTH);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
