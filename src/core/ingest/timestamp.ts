import { z } from 'zod';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp, as Alertmanager sends it (nanosecond fractions included). Checked here so
 * later code can turn it into a Date without meeting "Invalid Date"; kept as sent, so a redelivery
 * compares equal.
 */
export const timestampSchema = z
  .string()
  .refine((value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)), 'expected an RFC 3339 timestamp');
