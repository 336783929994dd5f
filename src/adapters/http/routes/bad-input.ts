import type { z } from 'zod';

/** A 400 body naming the first bad field: `{ error: "<field>: <what is expected>", field }`. */
export function badInput(error: z.ZodError, fallback: string): { error: string; field: string } {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : fallback);
  return { error: `${field}: ${issue?.message ?? 'invalid'}`, field };
}
