import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS } from './harness.js';
import type { Harness } from './harness.js';

/**
 * The seventeen entries of the remediation catalogue (issue 12), each driven by a realistic alert or
 * event for it: the route it arrives on, the payload, the runbook that must answer it and the
 * exact StartAutomationExecution request its action must become.
 */
export interface CatalogueEntry {
  condition: string;
  route: '/alerts/alertmanager' | '/alerts/cloudwatch' | '/alerts/eventbridge';
  fixture: string;
  runbook: string;
  document: string;
  parameters: Record<string, string>;
  risk: 'low' | 'medium' | 'high';
}

export const CATALOGUE: CatalogueEntry[] = [
  { condition: 'EC2 CPU > 90% for 10 min', route: '/alerts/cloudwatch', fixture: 'catalogue/ec2-cpu-alarm.json', runbook: 'asg-scale-out', document: 'ChatOps-ASGScaleOut', parameters: { InstanceId: 'i-0abc123def4567890', Increment: '1' }, risk: 'low' },
  { condition: 'ECS running tasks < desired', route: '/alerts/alertmanager', fixture: 'alertmanager/ecs-firing.json', runbook: 'ecs-force-new-deployment', document: 'ChatOps-ECSForceNewDeployment', parameters: { Cluster: 'prod-cluster', Service: 'checkout-api' }, risk: 'low' },
  { condition: 'Lambda throttles > 100/min', route: '/alerts/cloudwatch', fixture: 'catalogue/lambda-throttles-alarm.json', runbook: 'lambda-raise-reserved-concurrency', document: 'ChatOps-LambdaRaiseReservedConcurrency', parameters: { FunctionName: 'orders-api', Percent: '25' }, risk: 'medium' },
  { condition: 'EC2 status check failed', route: '/alerts/alertmanager', fixture: 'alertmanager/ec2-firing.json', runbook: 'ec2-stop-start-instance', document: 'ChatOps-EC2StopStartInstance', parameters: { InstanceId: 'i-0abc123def4567890' }, risk: 'medium' },
  { condition: 'S3 bucket public access enabled', route: '/alerts/eventbridge', fixture: 'eventbridge/cloudtrail-delete-bucket-public-access-block.json', runbook: 's3-enable-block-public-access', document: 'ChatOps-S3EnableBlockPublicAccess', parameters: { BucketName: 'checkout-invoices' }, risk: 'high' },
  { condition: 'EBS volume > 85% full', route: '/alerts/alertmanager', fixture: 'catalogue/ebs-disk-filling-alertmanager.json', runbook: 'ebs-snapshot-before-resize', document: 'ChatOps-EBSSnapshotInstanceVolumes', parameters: { InstanceId: 'i-0fedcba9876543210' }, risk: 'low' },
  { condition: 'DynamoDB throttled reads', route: '/alerts/cloudwatch', fixture: 'catalogue/dynamodb-read-throttles-alarm.json', runbook: 'dynamodb-raise-read-capacity', document: 'ChatOps-DynamoDBRaiseReadCapacity', parameters: { TableName: 'sessions', Percent: '50' }, risk: 'medium' },
  { condition: 'security group open to 0.0.0.0/0 on SSH', route: '/alerts/eventbridge', fixture: 'eventbridge/securityhub-ec2-13-imported.json', runbook: 'sg-revoke-open-ssh', document: 'ChatOps-RevokeOpenSSHIngress', parameters: { GroupId: 'sg-0fedcba9876543210' }, risk: 'high' },
  { condition: 'ALB 5xx spike', route: '/alerts/cloudwatch', fixture: 'catalogue/alb-5xx-alarm.json', runbook: 'cloudfront-invalidate-alb-origin', document: 'ChatOps-CloudFrontInvalidateForALB', parameters: { LoadBalancer: 'app/checkout-alb/50dc6c495c0c9188', Paths: '/*' }, risk: 'medium' },
  { condition: 'Route 53 health check failed', route: '/alerts/cloudwatch', fixture: 'catalogue/route53-health-check-alarm.json', runbook: 'route53-failover-to-secondary', document: 'ChatOps-Route53FailoverToSecondary', parameters: { HealthCheckId: 'abcdef11-2222-3333-4444-555555fedcba' }, risk: 'medium' },
  { condition: 'SQS DLQ > 100 messages', route: '/alerts/cloudwatch', fixture: 'catalogue/sqs-dlq-alarm.json', runbook: 'sqs-redrive-dlq', document: 'ChatOps-SQSRedriveDLQ', parameters: { QueueName: 'orders-dlq' }, risk: 'medium' },
  { condition: 'SQS depth > 10,000', route: '/alerts/alertmanager', fixture: 'catalogue/sqs-depth-alertmanager.json', runbook: 'lambda-raise-sqs-consumer-concurrency', document: 'ChatOps-LambdaRaiseSQSConsumerConcurrency', parameters: { QueueName: 'orders', Percent: '50' }, risk: 'medium' },
  { condition: 'SNS delivery failures > 5%', route: '/alerts/cloudwatch', fixture: 'catalogue/sns-delivery-failures-alarm.json', runbook: 'sns-pause-failing-subscription', document: 'ChatOps-SNSPauseSubscription', parameters: { TopicName: 'order-events', SubscriptionArn: '' }, risk: 'medium' },
  { condition: 'CloudTrail disabled', route: '/alerts/eventbridge', fixture: 'eventbridge/cloudtrail-stop-logging.json', runbook: 'cloudtrail-restart-logging', document: 'ChatOps-CloudTrailStartLogging', parameters: { TrailName: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/management-events' }, risk: 'high' },
  { condition: 'IAM access key older than 90 days', route: '/alerts/eventbridge', fixture: 'eventbridge/config-access-keys-rotated-noncompliant.json', runbook: 'iam-disable-stale-access-keys', document: 'ChatOps-IAMDisableStaleAccessKeys', parameters: { User: 'AIDACKCEVSQ6C2EXAMPLE', MaxAgeDays: '90' }, risk: 'medium' },
  { condition: 'Config rule non-compliant', route: '/alerts/eventbridge', fixture: 'eventbridge/config-s3-versioning-noncompliant.json', runbook: 'securityhub-record-config-finding', document: 'ChatOps-SecurityHubRecordConfigFinding', parameters: { ConfigRuleName: 's3-bucket-versioning-enabled', ResourceType: 'AWS::S3::Bucket', ResourceId: 'checkout-invoices' }, risk: 'low' },
  { condition: 'GuardDuty HIGH/CRITICAL finding', route: '/alerts/eventbridge', fixture: 'eventbridge/guardduty-iam-user-high.json', runbook: 'iam-quarantine-principal', document: 'ChatOps-IAMQuarantinePrincipal', parameters: { PrincipalType: 'IAMUser', PrincipalName: 'ci-deployer' }, risk: 'medium' },
];

/** Who approves, per risk, with the shipped policy: medium one on-call SRE, high also an emergency override. */
export const APPROVERS: Record<CatalogueEntry['risk'], string[]> = { low: [], medium: [USERS.sre], high: [USERS.sre, USERS.emergency] };

/** The request the entry's action becomes, with the proposal id as ClientToken. */
export function expectedRequest(entry: CatalogueEntry, proposalId: string) {
  return { DocumentName: entry.document, Parameters: Object.fromEntries(Object.entries(entry.parameters).map(([k, v]) => [k, [v]])), ClientToken: proposalId };
}

/** Sends the entry's payload on its route; the bot must accept it. */
export async function fire(h: Harness, entry: CatalogueEntry): Promise<void> {
  const body = JSON.parse(await readFile(`test/fixtures/${entry.fixture}`, 'utf8')) as unknown;
  const res = await h.postAlert(entry.route, body);
  expect(res.status, await res.clone().text()).toBe(200);
  await h.settle();
}

/** The one proposal of the entry's runbook. */
export async function proposalOf(h: Harness, entry: CatalogueEntry): Promise<Proposal> {
  const { incidents } = await h.api<{ incidents: (Incident & { proposals: Proposal[] })[] }>('/api/incidents?limit=500');
  const found = incidents.flatMap((i) => i.proposals).filter((p) => p.plan.runbookId === entry.runbook);
  expect(found, `${entry.runbook}: proposals`).toHaveLength(1);
  return found[0]!;
}

/** Approves as the policy asks for the entry's risk, with signed Slack clicks. */
export async function approve(h: Harness, entry: CatalogueEntry, proposal: Proposal): Promise<void> {
  expect(proposal).toMatchObject({ status: APPROVERS[entry.risk].length === 0 ? expect.any(String) : 'pending_approval', approvalsRequired: APPROVERS[entry.risk].length });
  for (const user of APPROVERS[entry.risk]) {
    expect((await h.click('approve_proposal', proposal.id, user)).status).toBe(200);
    await h.settle();
  }
}
