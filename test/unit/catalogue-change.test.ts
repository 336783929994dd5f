import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { isAnnouncement } from '../../src/core/chat-projection.js';
import { catalogueDigest, diffCatalogues } from '../../src/core/runbooks/catalogue-diff.js';
import { runbookSchema } from '../../src/core/runbooks/schema.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { announcementMessage, announcementOf } from '../../src/adapters/slack/blocks/announcement.js';
import { LIMITS } from '../../src/adapters/slack/blocks/text.js';

const rb = (id: string, version = 1, cooldown = '15m') =>
  runbookSchema.parse({
    id,
    title: id,
    version,
    match: [],
    risk: 'low',
    reversible: true,
    action_type: 'restart',
    service: 's',
    target: 't',
    parameters: {},
    action: { ssm: { document: 'ChatOps-X' } },
    cooldown,
  });
const policy = { authorities: {} } as unknown as Policy;

describe('what a catalogue change changes', () => {
  it('lists runbooks added, removed and changed (with their versions), and whether the policy changed', () => {
    const before = { runbooks: [rb('rb-a'), rb('rb-b'), rb('rb-c')], policy };
    const after = { runbooks: [rb('rb-a'), rb('rb-b', 2), rb('rb-c', 1, '30m'), rb('rb-d')], policy: { ...policy, escalation: {} } as unknown as Policy };
    expect(diffCatalogues(before, after)).toEqual({
      added: [{ id: 'rb-d', version: 1 }],
      removed: [],
      changed: [{ id: 'rb-b', from: 1, to: 2 }, { id: 'rb-c', from: 1, to: 1 }],
      policyChanged: true,
    });
    expect(diffCatalogues(after, { runbooks: [rb('rb-a')], policy }).removed.map((r) => r.id)).toEqual(['rb-b', 'rb-c', 'rb-d']);
  });

  it('digests the same catalogue the same way whatever the file order', () => {
    expect(catalogueDigest({ runbooks: [rb('rb-a'), rb('rb-b')], policy })).toBe(catalogueDigest({ runbooks: [rb('rb-b'), rb('rb-a')], policy }));
    expect(catalogueDigest({ runbooks: [rb('rb-a'), rb('rb-b', 2)], policy })).not.toBe(catalogueDigest({ runbooks: [rb('rb-a'), rb('rb-b')], policy }));
  });
});

describe('catalogue announcements', () => {
  const record = (kind: string, details: Record<string, unknown>): AuditRecord =>
    ({ incidentId: 'CONTROLS', kind, stepKey: 'k', trigger: 'watch', outcome: 'SUCCESS', operator: 'automated', details, auditId: 'x', seq: 1, timestamp: '2026-01-01T00:00:00Z', prevHash: '', hash: '' }) as AuditRecord;

  it('announces a loaded catalogue with what changed', () => {
    const r = record('catalogue.loaded', { runbooks: 29, added: [{ id: 'new-one', version: 1 }], removed: [{ id: 'old-one', version: 3 }], changed: [{ id: 'ec2', from: 1, to: 2 }], policyChanged: true });
    expect(isAnnouncement(r)).toBe(true);
    const text = JSON.stringify(announcementMessage(announcementOf(r)!).blocks);
    for (const part of ['Runbook catalogue reloaded', '29 runbook(s)', '`new-one` v1', '`ec2` v1 → v2', '`old-one` v3', 'The policy changed']) expect(text).toContain(part);
  });

  it('announces a refusal with its problems, escaped and within Slack limits however many there are', () => {
    const problems = Array.from({ length: 50 }, (_, i) => `runbooks/x${i}.yaml: risk: <!channel> ${'y'.repeat(400)}`);
    const r = record('catalogue.rejected', { problems, problemCount: 73 });
    expect(isAnnouncement(r)).toBe(true);
    const message = announcementMessage(announcementOf(r)!);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Runbook catalogue change refused');
    expect(text).toContain('73 problem(s)');
    expect(text).not.toContain('<!channel>');
    for (const block of message.blocks as { text?: { text: string } }[]) expect((block.text?.text ?? '').length).toBeLessThanOrEqual(LIMITS.sectionText);
  });
});
