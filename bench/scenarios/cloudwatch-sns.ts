import { startHarness } from '../../test/e2e/harness.js';
import { cloudwatchFixture, createFakeSnsEndpoints, signSnsMessage } from '../../test/fakes/sns-signer.js';
import type { SnsBody } from '../../test/fakes/sns-signer.js';
import { closeBenchHarness, warnings } from '../bench-harness.js';
import { eventLoopRows, watchEventLoop } from '../event-loop.js';
import { closedLoop } from '../load.js';
import type { LoadResult } from '../load.js';
import { exactTarget, latencyRows } from '../row.js';
import type { Row, Scenario } from '../row.js';

const ALARMS = 500;
const CONCURRENCY = 10;

/** A signed ALARM notification for alarm `i`, each a different alarm on a different instance. */
function notification(i: number): SnsBody {
  const body = cloudwatchFixture('sns-alarm-notification.json');
  const alarm = JSON.parse(body.Message as string) as Record<string, unknown> & { Trigger: { Dimensions: { name: string; value: string }[] } };
  const name = `bench-status-check-${i}`;
  alarm.AlarmName = name;
  alarm.AlarmArn = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;
  alarm.Trigger.Dimensions = [{ name: 'InstanceId', value: `i-${i.toString(16).padStart(17, '0')}` }];
  return signSnsMessage({ ...body, MessageId: `bench-${i}`, Message: JSON.stringify(alarm) });
}

function incidentsIn(result: LoadResult): number {
  const ids = new Set<string>();
  for (const { body } of result.samples) for (const id of (body as { incidents?: string[] }).incidents ?? []) ids.add(id);
  return ids.size;
}

/**
 * 500 signed SNS notifications, each for a different CloudWatch alarm, so each opens an incident:
 * what one incident costs through SNS (JSON, signature verification against the cached
 * certificate, alarm mapping, storage and audit) before the route answers. The certificate is
 * served locally, so its one fetch costs nothing; messages are signed before the clock starts.
 */
export const cloudwatchSnsScenario: Scenario = {
  name: `CloudWatch via SNS, ${ALARMS} signed notifications for distinct alarms, concurrency ${CONCURRENCY}`,
  async run(): Promise<Row[]> {
    const label = `cloudwatch sns c=${CONCURRENCY}`;
    const sns = createFakeSnsEndpoints();
    // As bench-harness.ts starts its bots (dry run, warnings only), plus the local SNS certificate.
    const h = await startHarness({ DRY_RUN: 'true', LOG_LEVEL: 'warn' }, { fetch: sns.fetch });
    try {
      const bodies = Array.from({ length: ALARMS }, (_, i) => notification(i));
      const send = (i: number) => h.postAlert('/alerts/cloudwatch', bodies[i], { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' });
      const stopWatching = watchEventLoop();
      const result = await closedLoop(ALARMS, CONCURRENCY, send);
      const eventLoop = stopWatching();
      await h.settle();
      if (result.errors.length > 0) console.error(`\n${label}: first failures:\n  ${result.errors.join('\n  ')}`);
      const opened = incidentsIn(result);
      return [
        ...latencyRows(label, result.samples.map((s) => s.ms)),
        { name: `${label} incidents opened per second`, value: (opened / result.wallMs) * 1000, unit: 'incidents/s' },
        exactTarget(`${label} non-2xx answers`, result.failures, 'requests', 0),
        exactTarget(`${label} incidents opened`, opened, 'incidents', ALARMS),
        exactTarget(`${label} certificate fetches`, sns.certificateFetches().length, 'fetches', 1),
        ...eventLoopRows(label, eventLoop),
        { name: `${label} warnings logged`, value: warnings(h.logs), unit: 'lines' },
      ];
    } finally {
      await closeBenchHarness(h);
    }
  },
};
