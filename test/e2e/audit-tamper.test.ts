import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashAuditRecord } from '../../src/core/audit.js';
import type { AuditRecord } from '../../src/core/audit.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

const TableName = 'chatops-audit';

type Verdict = { incident: string; intact: boolean; records: number; brokenAt?: number; reason?: string };

describe('someone edits or deletes an audit record directly in DynamoDB', () => {
  let store: SharedStore;
  let doc: DynamoDBDocumentClient;
  let h: Harness;
  let original: AuditRecord[];

  const verify = () => h.api<Verdict>('/api/audit/verify?incident=INC-1');
  const putBack = (record: AuditRecord) => doc.send(new PutCommand({ TableName, Item: record }));

  beforeAll(async () => {
    // A dynalite of the test's own, used as "real DynamoDB", so the test can reach behind the bot.
    store = await startSharedStore();
    doc = store.doc;
    h = await startHarness(store.env);
    expect((await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await h.settle();
    original = (await h.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&n=100')).records;
    // alert.received, incident.opened, proposal.created, diagnostics.completed, approval.requested
    expect(original.length).toBeGreaterThanOrEqual(5);
  });
  afterAll(async () => {
    await h.close();
    await store.close();
  });

  it('reports the untouched trail as intact', async () => {
    expect(await verify()).toEqual({ incident: 'INC-1', intact: true, records: original.length });
  });

  it('reports an edited record, naming it', async () => {
    const victim = original[2]!;
    expect(victim.kind).toBe('proposal.created');
    await doc.send(
      new UpdateCommand({
        TableName,
        Key: { incidentId: 'INC-1', seq: victim.seq },
        UpdateExpression: 'SET details.risk = :risk',
        ExpressionAttributeValues: { ':risk': 'low' },
      }),
    );
    expect(await verify()).toMatchObject({ intact: false, brokenAt: victim.seq, reason: expect.stringMatching(/modified/) });
    await putBack(victim);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('reports an edit whose author also recomputed the record hash, at the next record', async () => {
    const victim = original[1]!;
    const { hash: _hash, ...rest } = victim;
    const forged = { ...rest, operator: 'U09NOBODY' };
    await putBack({ ...forged, hash: hashAuditRecord(forged) });
    expect(await verify()).toMatchObject({ intact: false, brokenAt: victim.seq + 1, reason: expect.stringMatching(/does not link/) });
    await putBack(victim);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('reports a deleted record in the middle, naming the missing seq', async () => {
    const victim = original[2]!;
    await doc.send(new DeleteCommand({ TableName, Key: { incidentId: 'INC-1', seq: victim.seq } }));
    expect(await verify()).toMatchObject({ intact: false, brokenAt: victim.seq, reason: expect.stringMatching(/missing/) });
    await putBack(victim);
    expect(await verify()).toMatchObject({ intact: true });
  });
});
