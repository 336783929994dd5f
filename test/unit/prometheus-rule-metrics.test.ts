import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createPrometheusMetrics } from '../../src/adapters/http/prometheus-metrics.js';

interface RuleFile {
  groups: { rules: { expr: string; record?: string; alert?: string }[] }[];
}

/** Every metric the bot registers (with every optional collector), histogram series included. */
async function registeredNames(): Promise<Set<string>> {
  const none = async () => [];
  const metrics = createPrometheusMetrics({ pagerQueueDepth: () => 0, slackQueueDepth: () => 0, incidentsByState: async () => ({}), cooldowns: none, killSwitches: none });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (m.type.toString() === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

describe('the Prometheus rules in manifests/prometheus', () => {
  it('use only chatops_* metrics the bot registers', async () => {
    const registered = await registeredNames();
    const files = (await readdir('manifests/prometheus')).filter((f) => f.endsWith('.yaml'));
    const used = new Map<string, string>();
    for (const file of files) {
      const rules = parse(await readFile(`manifests/prometheus/${file}`, 'utf8')) as RuleFile;
      for (const rule of rules.groups.flatMap((g) => g.rules)) {
        for (const [name] of rule.expr.matchAll(/\bchatops_[a-zA-Z0-9_]+/g)) used.set(name, rule.alert ?? rule.record ?? '?');
      }
    }
    expect(used.size).toBeGreaterThan(5);
    const unknown = [...used].filter(([name]) => !registered.has(name)).map(([name, rule]) => `${name} (in ${rule})`);
    expect(unknown).toEqual([]);
  });
});
