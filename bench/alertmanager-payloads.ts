/**
 * Alertmanager webhook bodies (payload version 4) as Alertmanager sends them, one alert each, so the
 * bench exercises the same parsing and storage as production. Shaped after
 * test/fixtures/alertmanager/*.json.
 */

export interface AlertRef {
  /** Which alert group (Alertmanager's groupKey) the alert belongs to. */
  group: number;
  /** The alert's index within its group. */
  index: number;
}

type Labels = Record<string, string>;

/** An EC2 instance id matching the runbook's `^i-[0-9a-f]{8,17}$`, unique per number. */
export function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

/** Alertmanager's fingerprint is 16 hex digits; ours only needs to be unique per alert. */
function fingerprint(ref: AlertRef): string {
  return `${ref.group.toString(16).padStart(8, '0')}${ref.index.toString(16).padStart(8, '0')}`;
}

/**
 * Three kinds of group, in turn: failing EC2 instances (a medium-risk runbook that waits for
 * approval), ECS services short of tasks (a low-risk runbook that runs by itself, here as a dry
 * run) and a latency alert that no runbook matches.
 */
function alertOf(ref: AlertRef): { labels: Labels; annotations: Labels; groupLabels: Labels } {
  const n = ref.group * 1000 + ref.index;
  switch (ref.group % 3) {
    case 0: {
      const id = instanceId(n);
      const groupLabels = { alertname: 'EC2InstanceStatusCheckFailed', service: `web-${ref.group}` };
      return {
        groupLabels,
        labels: { ...groupLabels, instance_id: id, instance: `10.${ref.group % 250}.${ref.index % 250}.17:9100`, job: 'node', severity: 'critical', region: 'eu-west-1' },
        annotations: { summary: `EC2 instance ${id} is failing its status checks`, description: 'The instance or system status check has failed for 2 consecutive minutes.' },
      };
    }
    case 1: {
      const groupLabels = { alertname: 'ECSServiceTasksBelowDesired', cluster: `prod-cluster-${ref.group}` };
      const service = `svc-${ref.index}`;
      return {
        groupLabels,
        labels: { ...groupLabels, service, job: 'ecs-exporter', severity: 'warning', region: 'eu-west-1' },
        annotations: {
          summary: `${service} in ${groupLabels.cluster} runs fewer tasks than desired`,
          description: 'Running task count has been below the desired count for 5 minutes.',
          runbook_url: 'https://wiki.example/runbooks/ecs-tasks-below-desired',
        },
      };
    }
    default: {
      const groupLabels = { alertname: 'HighRequestLatency', service: `api-${ref.group}` };
      return {
        groupLabels,
        labels: { ...groupLabels, instance: `10.${ref.group % 250}.${ref.index % 250}.9:8080`, job: 'api', severity: 'warning', region: 'eu-west-1' },
        annotations: { summary: `p99 latency of api-${ref.group} above 500 ms`, description: 'The 99th percentile request latency has been above 500 ms for 10 minutes.' },
      };
    }
  }
}

function groupKey(groupLabels: Labels, severity: string): string {
  const inner = Object.entries(groupLabels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `{}/{severity=${JSON.stringify(severity)}}:{${inner}}`;
}

/** One firing alert of group `ref.group`, as the body of one webhook POST. */
export function firingPayload(ref: AlertRef, startsAt = '2024-05-14T10:02:15.7Z'): Record<string, unknown> {
  const { labels, annotations, groupLabels } = alertOf(ref);
  return {
    receiver: 'chatops-bot',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: `http://prometheus.example:9090/graph?g0.expr=${encodeURIComponent(`ALERTS{alertname="${labels.alertname}"}`)}&g0.tab=1`,
        fingerprint: fingerprint(ref),
      },
    ],
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: groupKey(groupLabels, labels.severity ?? 'warning'),
    truncatedAlerts: 0,
  };
}

/** A small deterministic PRNG (mulberry32), so every run sends the same order. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` alerts spread evenly over `groups` groups, in a shuffled (but repeatable) order: each
 * group's first alert opens an incident and the rest join it, at scattered times, and now and then
 * two alerts of one group arrive back to back, as they do when Alertmanager flushes a group.
 */
export function alertSequence(count: number, groups: number, seed = 42): AlertRef[] {
  const refs: AlertRef[] = Array.from({ length: count }, (_, i) => ({ group: i % groups, index: Math.floor(i / groups) }));
  const random = seededRandom(seed);
  for (let i = refs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [refs[i], refs[j]] = [refs[j]!, refs[i]!];
  }
  return refs;
}
