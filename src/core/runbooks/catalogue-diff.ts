import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import type { Policy } from '../policy/schema.js';
import type { Runbook } from './schema.js';

/** What a new catalogue changes, runbook by runbook, for the `catalogue.loaded` record. */
export interface CatalogueDiff {
  added: { id: string; version: number }[];
  removed: { id: string; version: number }[];
  /** Any field changed; `from` and `to` are the versions (equal when the author did not bump it). */
  changed: { id: string; from: number; to: number }[];
  policyChanged: boolean;
}

interface Contents {
  runbooks: readonly Runbook[];
  policy: Policy;
}

/** sha256 of the runbooks (by id) and the policy: equal digests, same catalogue. */
export function catalogueDigest(c: Contents): string {
  const runbooks = [...c.runbooks].sort((a, b) => a.id.localeCompare(b.id));
  return createHash('sha256').update(canonicalJson({ runbooks, policy: c.policy })).digest('hex');
}

export function diffCatalogues(before: Contents, after: Contents): CatalogueDiff {
  const old = new Map(before.runbooks.map((r) => [r.id, r]));
  const now = new Map(after.runbooks.map((r) => [r.id, r]));
  const diff: CatalogueDiff = { added: [], removed: [], changed: [], policyChanged: canonicalJson(before.policy) !== canonicalJson(after.policy) };
  for (const [id, rb] of now) {
    const was = old.get(id);
    if (!was) diff.added.push({ id, version: rb.version });
    else if (canonicalJson(was) !== canonicalJson(rb)) diff.changed.push({ id, from: was.version, to: rb.version });
  }
  for (const [id, rb] of old) if (!now.has(id)) diff.removed.push({ id, version: rb.version });
  for (const list of [diff.added, diff.removed, diff.changed]) list.sort((a, b) => a.id.localeCompare(b.id));
  return diff;
}
