import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { nextThreadPost } from '../../src/core/chat-projection.js';
import { threadBatch } from '../../src/adapters/slack/blocks/thread-batch.js';
import { MAX_BLOCKS } from '../../src/adapters/slack/blocks/text.js';

function record(seq: number, kind: string, details: Record<string, unknown> = {}): AuditRecord {
  return { incidentId: 'INC-1', seq, kind, stepKey: `s${seq}`, trigger: 't', outcome: 'SUCCESS', operator: 'automated', details, auditId: `a${seq}`, timestamp: `2026-11-25T10:00:${String(seq).padStart(2, '0')}.000Z`, prevHash: '', hash: '' };
}

const requested = (seq: number, proposalId: string) => record(seq, 'approval.requested', { proposalId });

describe('nextThreadPost: what an incident thread posts next after its cursor', () => {
  const none = () => false;
  it.each([
    ['nothing after the cursor', [], undefined],
    ['only what the root message shows: move the cursor, post nothing', [record(1, 'alert.received'), record(2, 'incident.opened')], { kind: 'skip', lastSeq: 2 }],
    ['waiting lines go out together', [record(3, 'diagnostics.completed'), record(4, 'alert.received'), record(5, 'action.started')], { kind: 'lines', seqs: [3, 5] }],
    ['a proposal that runs by itself is a line; one awaiting approval is not', [record(3, 'proposal.created', { approvalsRequired: 0 }), record(4, 'proposal.created', { approvalsRequired: 1 })], { kind: 'lines', seqs: [3] }],
    ['lines before a proposal message go first', [record(3, 'diagnostics.completed'), requested(4, 'p1'), record(5, 'approval.granted')], { kind: 'lines', seqs: [3] }],
    ['then the proposal message', [requested(4, 'p1'), record(5, 'approval.granted')], { kind: 'proposal', proposalId: 'p1' }],
    ['hidden records before a proposal message only move the cursor', [record(3, 'alert.received'), requested(4, 'p1')], { kind: 'skip', lastSeq: 3 }],
  ] as const)('%s', (_name, records, expected) => {
    const post = nextThreadPost(records as unknown as AuditRecord[], none);
    if (expected === undefined) expect(post).toBeUndefined();
    else if (expected.kind === 'lines') expect(post?.kind === 'lines' && post.records.map((r) => r.seq)).toEqual(expected.seqs);
    else expect(post).toMatchObject(expected);
  });

  it('skips the request line of a proposal whose message is already in the thread', () => {
    const post = nextThreadPost([requested(4, 'p1'), record(5, 'approval.granted')], (id) => id === 'p1');
    expect(post?.kind === 'lines' && post.records.map((r) => r.seq)).toEqual([5]);
  });
});

describe('threadBatch: several thread lines in one message', () => {
  it('puts as many as fit in Slack\'s 50 blocks and says how many, in order', () => {
    const records = Array.from({ length: 60 }, (_, i) => record(i + 1, 'action.progress', { status: 'InProgress' }));
    const { message, count } = threadBatch(records);
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(60);
    const seqs = JSON.stringify(message.blocks).match(/ · #(\d+) · /g)?.map((m) => Number(/\d+/.exec(m)![0]));
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('never splits a record: one with its payload block moves to the next message whole', () => {
    const records = Array.from({ length: 20 }, (_, i) => record(i + 1, 'action.dry_run', { request: { DocumentName: 'D', Parameters: {}, ClientToken: `t${i}` } }));
    const { message, count } = threadBatch(records);
    // Each dry run is its line, its request and its context: 3 blocks; 16 fit in 50.
    expect(count).toBe(16);
    expect(message.blocks).toHaveLength(48);
  });
});
