import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { isReservedKey } from './labels.js';

/**
 * A sender's fingerprint. Incidents key their alerts by it, so it is kept to a short, plain token
 * and may not be a name JavaScript objects already answer to. Empty means "none given".
 */
export const fingerprintSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9._:-]*$/, 'expected letters, digits, ".", "_", ":" or "-"')
  .refine((value) => !isReservedKey(value), 'reserved word, not a fingerprint');

/** Stable sha256 (hex) of a value: object keys are sorted first, so label order never matters. */
export function hashFingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
