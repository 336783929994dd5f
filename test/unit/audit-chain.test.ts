import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditRecord, verifyChain } from '../../src/core/audit.js';
import type { AuditRecord } from '../../src/core/audit.js';

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const rest = { auditId: `a${seq}`, seq, timestamp: `2026-01-01T00:00:0${seq}.000Z`, incidentId: 'INC-1', kind: 'k', stepKey: `s${seq}`, trigger: 't', outcome: 'SUCCESS' as const, operator: 'automated', prevHash: prev };
    const hash = hashAuditRecord(rest);
    out.push({ ...rest, hash });
    prev = hash;
  }
  return out;
}

function rehashed(r: AuditRecord, change: Partial<AuditRecord>): AuditRecord {
  const { hash: _old, ...rest } = r;
  const edited = { ...rest, ...change };
  return { ...edited, hash: hashAuditRecord(edited) };
}

describe('audit hash chain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(chain(5))).toEqual({ intact: true, records: 5 });
  });

  it.each([
    ['an edited field', (c: AuditRecord[]) => c.map((r) => (r.seq === 3 ? { ...r, operator: 'U0EVIL' } : r)), 3],
    ['a deleted middle record', (c: AuditRecord[]) => c.filter((r) => r.seq !== 2), 2],
    ['an edit whose own hash was recomputed', (c: AuditRecord[]) => c.map((r) => (r.seq === 2 ? rehashed(r, { kind: 'x' }) : r)), 3],
  ])('reports %s', (_label, tamper, brokenAt) => {
    expect(verifyChain(tamper(chain(5)))).toMatchObject({ intact: false, brokenAt });
  });
});
