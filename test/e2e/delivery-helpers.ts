import { readFileSync } from 'node:fs';
import type { AuditRecord } from '../../src/core/audit.js';
import { isThreadLine, proposalMessageOf } from '../../src/core/chat-projection.js';
import type { FakeSlackApi, FakeSlackMessage } from '../fakes/fake-slack-api.js';

type Payload = { groupKey: string; alerts: { labels: Record<string, string>; fingerprint: string; annotations: Record<string, string> }[]; commonLabels: Record<string, string> };

const template = (name: string) => JSON.parse(readFileSync(`test/fixtures/alertmanager/${name}`, 'utf8')) as Payload;

/** An Alertmanager group of its own: a low-risk ECS alert for `service` (its runbook runs by itself). */
export function ecsAlert(service: string): Payload {
  const p = template('ecs-firing.json');
  p.groupKey = `{}:{alertname="ECSServiceTasksBelowDesired",service="${service}"}`;
  for (const a of p.alerts) {
    a.labels.service = service;
    a.fingerprint = `ecs-${service}`;
    a.annotations.summary = `${service} runs fewer tasks than desired`;
  }
  p.commonLabels.service = service;
  return p;
}

/** An Alertmanager group of its own: a medium-risk EC2 alert (its runbook waits for an Approve). */
export function ec2Alert(instanceId: string): Payload {
  const p = template('ec2-firing.json');
  p.groupKey = `{}:{alertname="EC2InstanceStatusCheckFailed",instance_id="${instanceId}"}`;
  for (const a of p.alerts) {
    a.labels.instance_id = instanceId;
    a.fingerprint = `ec2-${instanceId}`;
  }
  return p;
}

function payloadOf(m: FakeSlackMessage, field: string): string | undefined {
  return (m.metadata as { event_payload?: Record<string, string> } | undefined)?.event_payload?.[field];
}

/** Root messages of an incident (there must be one). */
export function rootsOf(slack: FakeSlackApi, incidentId: string): FakeSlackMessage[] {
  return slack.messages().filter((m) => !m.thread_ts && payloadOf(m, 'incident_id') === incidentId);
}

/** Messages of a proposal (there must be one at most). */
export function proposalMessagesOf(slack: FakeSlackApi, proposalId: string): FakeSlackMessage[] {
  return slack.messages().filter((m) => payloadOf(m, 'proposal_id') === proposalId);
}

/** The audit seq of every thread line in the incident's thread, in the order posted (read from each line's context). */
export function threadSeqs(slack: FakeSlackApi, incidentId: string): number[] {
  const [root] = rootsOf(slack, incidentId);
  if (!root) return [];
  const seqs: number[] = [];
  for (const m of slack.messages().filter((x) => x.thread_ts === root.ts && payloadOf(x, 'proposal_id') === undefined)) {
    for (const block of (m.blocks ?? []) as { type: string; elements?: { text?: string }[] }[]) {
      if (block.type !== 'context') continue;
      const match = / · #(\d+) · /.exec(block.elements?.[0]?.text ?? '');
      if (match) seqs.push(Number(match[1]));
    }
  }
  return seqs;
}

/** The seqs the incident's thread should show as lines, from its audit trail. */
export function expectedLineSeqs(records: readonly AuditRecord[]): number[] {
  return records.filter((r) => isThreadLine(r) && proposalMessageOf(r) === undefined && r.kind !== 'chat.delivery_failed').map((r) => r.seq);
}

/** Approve buttons on a message. */
export function approveButtons(message: FakeSlackMessage | undefined): unknown[] {
  return ((message?.blocks ?? []) as { type: string; elements?: { action_id?: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.action_id === 'approve_proposal');
}
