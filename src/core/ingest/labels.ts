import { z } from 'zod';

export const MAX_LABELS = 100;
export const MAX_LABEL_VALUE_LENGTH = 1024;
const MAX_LABEL_NAME_LENGTH = 256;

/**
 * Keys that mean something to a JavaScript object. Labels are spread, indexed and stored by later
 * code (`labels[name]` on a plain object finds `constructor` even when the sender never sent it), so
 * these are dropped at the boundary instead of trusting every later reader to use `Object.hasOwn`.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}

/** Own string entries only, reserved keys dropped, as a fresh plain object. */
export function safeStringRecord(input: Readonly<Record<string, unknown>>): Record<string, string> {
  const entries: [string, string][] = [];
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (!isReservedKey(key) && typeof value === 'string') entries.push([key, value]);
  }
  // Object.fromEntries defines properties (never calls setters), so even a missed `__proto__` could not reach a prototype.
  return Object.fromEntries(entries);
}

/** A label set: at most 100 labels, values at most 1,024 characters, reserved keys dropped. */
export const labelSetSchema = z
  .record(z.string().max(MAX_LABEL_NAME_LENGTH), z.string().max(MAX_LABEL_VALUE_LENGTH))
  .superRefine((labels, ctx) => {
    const count = Object.keys(labels).length;
    if (count > MAX_LABELS) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${String(count)} labels, at most ${String(MAX_LABELS)} allowed` });
    }
  })
  .transform(safeStringRecord);

/** Annotations: free text (descriptions run long), reserved keys dropped. */
export const annotationsSchema = z.record(z.string()).transform(safeStringRecord);

/**
 * The label's value, or undefined when it is absent or empty. Prometheus treats an empty label
 * value as no label at all, so `severity=""` must fall back to the default like a missing one.
 */
export function labelValue(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  if (!Object.hasOwn(labels, name)) return undefined;
  const value = labels[name];
  return value === undefined || value === '' ? undefined : value;
}

/** First of the named labels that has a value. */
export function firstLabelValue(labels: Readonly<Record<string, string>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = labelValue(labels, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/**
 * The `slack_channel` label, when it is a Slack channel id. Anything else (a channel name, a typo) is
 * ignored rather than refused: the alert still reaches the default channel instead of being lost.
 */
export function slackChannelFromLabels(labels: Readonly<Record<string, string>>): string | undefined {
  const value = labelValue(labels, 'slack_channel');
  return value !== undefined && SLACK_CHANNEL_ID.test(value) ? value : undefined;
}
