import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import type { ChatBlocks } from '../../src/adapters/slack/delivery/chat-blocks.js';
import { createSlackDelivery } from '../../src/adapters/slack/delivery/slack-delivery.js';
import type { SlackApi } from '../../src/adapters/slack/delivery/slack-api.js';
import type { Alert } from '../../src/core/alert.js';
import { createAuditLog } from '../../src/services/audit-log.js';
import { recordAlerts } from '../../src/services/ingest-alerts.js';
import { foldRecordedAlerts } from '../../src/services/recorded-alerts.js';
import { noMetrics } from '../../src/services/metrics.js';
import { systemClock } from '../../src/services/ports.js';
import { startTestDynamo } from './stores/harness.js';
import type { TestDynamo } from './stores/harness.js';

type Doc = TestDynamo['doc'];
type Command = { constructor: { name: string }; input: { TableName?: string; Item?: Record<string, unknown> } };

/** A document client that fails the first write `matches` picks, as a store that answered 500 would. */
function failingOnce(doc: Doc, matches: (command: Command) => boolean): Doc {
  let failed = false;
  return {
    send(command: Command) {
      if (!failed && matches(command)) {
        failed = true;
        return Promise.reject(Object.assign(new Error('InternalServerError'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
      }
      return doc.send(command as never);
    },
  } as unknown as Doc;
}

const isPut = (table: string, kind?: string) => (c: Command) =>
  c.constructor.name === 'PutCommand' && (c.input.TableName ?? '').endsWith(table) && (kind === undefined || c.input.Item?.['kind'] === kind || c.input.Item?.['itemType'] === kind);

function alert(groupKey: string, fingerprint: string): Alert {
  return {
    source: 'alertmanager',
    groupKey,
    fingerprint,
    name: 'HighRequestLatency',
    status: 'firing',
    severity: 'warning',
    summary: 'p99 latency above 500 ms',
    labels: { alertname: 'HighRequestLatency', service: 'api' },
    annotations: { summary: 'p99 latency above 500 ms' },
    startsAt: '2024-05-14T10:02:15.700Z',
  };
}

describe('opening an incident: its alert record and its item are written at once', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(async () => dynamo.close());

  /** The services' view of one replica, on `doc`, over the tables of `prefix`. */
  function replica(doc: Doc, prefix: string) {
    const stores = createDynamoStores({ doc, prefix });
    const deps = {
      incidents: stores.incidents,
      proposals: stores.proposals,
      audit: createAuditLog({ store: stores.audit, metrics: noMetrics, clock: systemClock }),
      clock: systemClock,
      metrics: noMetrics,
      log: pino({ level: 'silent' }),
      defaultChannel: 'C0INCIDENTS',
    };
    return { deps, stores };
  }

  const received = async (deps: ReturnType<typeof replica>['deps'], id: string) => (await deps.audit.after(id, 0)).filter((r) => r.kind === 'alert.received');

  it('holds the alert in its trail at once, and in its item once the trail is taken in', async () => {
    const { prefix } = await dynamo.freshStores();
    const { deps } = replica(dynamo.doc, prefix);
    const [result] = await recordAlerts(deps, [alert('g', 'fp1')]);
    expect(result).toEqual({ incidentId: 'INC-1', effect: 'opened' });
    expect((await received(deps, 'INC-1')).map((r) => r.details?.['fingerprint'])).toEqual(['fp1']);
    const folded = await foldRecordedAlerts(deps, 'INC-1');
    expect(Object.keys(folded?.alerts ?? {})).toEqual(['fp1']);
    expect(folded?.status).toBe('open');
  });

  it('records the alert once and holds it when the record failed and the webhook is sent again', async () => {
    const { prefix } = await dynamo.freshStores();
    const { deps } = replica(failingOnce(dynamo.doc, isPut('audit', 'alert.received')), prefix);
    await expect(recordAlerts(deps, [alert('g', 'fp1')])).rejects.toThrow();
    // Alertmanager sends it again after the 503.
    expect(await recordAlerts(deps, [alert('g', 'fp1')])).toEqual([{ incidentId: 'INC-1', effect: 'alert-added' }]);
    expect(await received(deps, 'INC-1')).toHaveLength(1);
    expect(Object.keys((await foldRecordedAlerts(deps, 'INC-1'))?.alerts ?? {})).toEqual(['fp1']);
    // A third delivery changes nothing.
    expect(await recordAlerts(deps, [alert('g', 'fp1')])).toEqual([{ incidentId: 'INC-1', effect: 'unchanged' }]);
    expect(await received(deps, 'INC-1')).toHaveLength(1);
  });

  it('opens one incident, with the alert recorded once, when the item failed and the webhook is sent again', async () => {
    const { prefix } = await dynamo.freshStores();
    const { deps } = replica(failingOnce(dynamo.doc, isPut('incidents', 'incident')), prefix);
    await expect(recordAlerts(deps, [alert('g', 'fp1')])).rejects.toThrow();
    const again = await recordAlerts(deps, [alert('g', 'fp1')]);
    expect(again.map((r) => r.incidentId)).toEqual(['INC-1']);
    expect(await received(deps, 'INC-1')).toHaveLength(1);
    expect(Object.keys((await foldRecordedAlerts(deps, 'INC-1'))?.alerts ?? {})).toEqual(['fp1']);
    expect(await deps.incidents.nextId()).toBe('INC-2');
  });

  it('gives back the number it took while looking up a group another replica had opened, so no number is skipped', async () => {
    const { prefix } = await dynamo.freshStores();
    const a = replica(dynamo.doc, prefix);
    const b = replica(dynamo.doc, prefix);
    expect((await recordAlerts(a.deps, [alert('g1', 'fp1')]))[0]?.incidentId).toBe('INC-1');
    // b has never seen g1: it reads the claim and, meanwhile, takes INC-2 in case g1 was new.
    expect((await recordAlerts(b.deps, [alert('g1', 'fp2')]))[0]).toEqual({ incidentId: 'INC-1', effect: 'alert-added' });
    await new Promise((r) => setTimeout(r, 50)); // the give-back is not waited for
    expect((await recordAlerts(a.deps, [alert('g2', 'fp1')]))[0]?.incidentId).toBe('INC-2');
    expect((await recordAlerts(b.deps, [alert('g3', 'fp1')]))[0]?.incidentId).toBe('INC-3');
  });

  it('shows a just-opened incident\'s alert in its root message, before the item has taken it in', async () => {
    const { prefix } = await dynamo.freshStores();
    const { deps, stores } = replica(dynamo.doc, prefix);
    await recordAlerts(deps, [alert('g', 'fp1')]);
    expect(Object.keys((await stores.incidents.get('INC-1'))?.alerts ?? {}), 'the item has not taken it in yet').toEqual([]);
    const posts: { channel: string; message: ChatBlocks }[] = [];
    let ts = 0;
    const api: SlackApi = {
      post: async (channel, message) => {
        posts.push({ channel, message });
        return { kind: 'ok', value: { ts: `1700000000.${String(++ts).padStart(6, '0')}` } };
      },
      update: async () => ({ kind: 'ok', value: undefined }),
      find: async () => ({ kind: 'ok', value: undefined }),
      upload: async () => ({ kind: 'refused', code: 'not_used' }),
      share: async () => ({ kind: 'refused', code: 'not_used' }),
      findFile: async () => ({ kind: 'ok', value: false }),
    };
    const slack = createSlackDelivery({
      api,
      incidents: stores.incidents,
      proposals: stores.proposals,
      audit: stores.audit,
      auditLog: deps.audit,
      deliveries: stores.deliveries,
      runbookOf: () => undefined,
      defaultChannel: 'C0INCIDENTS',
      clock: systemClock,
      log: pino({ level: 'silent' }),
      metrics: noMetrics,
      updateSettleMs: 0,
    });
    slack.start();
    slack.touched('INC-1', 1);
    await slack.idle();
    await slack.stop();
    const root = posts[0];
    expect(root?.channel).toBe('C0INCIDENTS');
    expect(JSON.stringify(root?.message.blocks)).toContain('1 firing / 1 total');
  });
});
