import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CollectionTag, ScalarTag } from 'yaml';

/**
 * manifests/cloudformation/iam.yaml checked against the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
 * for each action the template grants, the resource types its "Actions defined by" table lists
 * (`*` = required) and their ARN formats from the same page's "Resource types" table. Pages:
 *   list_awssystemsmanager.html, list_awsidentityandaccessmanagementiam.html,
 *   list_amazondynamodb.html, list_amazons3.html, list_amazonec2.html,
 *   list_amazonelasticcontainerservice.html, list_amazonec2autoscaling.html, list_awslambda.html,
 *   list_applicationautoscaling.html, list_amazoncloudfront.html, list_awselasticloadbalancingv2.html,
 *   list_amazonroute53.html, list_amazonsqs.html, list_amazonsns.html, list_awscloudtrail.html,
 *   list_awsconfig.html, list_awssecurityhub.html, list_amazoncloudwatch.html, list_awssecretsmanager.html
 * (all under https://docs.aws.amazon.com/service-authorization/latest/reference/).
 */
const ARN = {
  automationExecution: 'arn:${Partition}:ssm:${Region}:${Account}:automation-execution/${AutomationExecutionId}',
  automationDefinition: 'arn:${Partition}:ssm:${Region}:${Account}:automation-definition/${AutomationDefinitionName}:${VersionId}',
  document: 'arn:${Partition}:ssm:${Region}:${Account}:document/${DocumentName}',
  role: 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}',
  user: 'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}',
  table: 'arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}',
  index: 'arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/index/${IndexName}',
  bucket: 'arn:${Partition}:s3:::${BucketName}',
  object: 'arn:${Partition}:s3:::${BucketName}/${ObjectName}',
  instance: 'arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}',
  securityGroup: 'arn:${Partition}:ec2:${Region}:${Account}:security-group/${SecurityGroupId}',
  securityGroupRule: 'arn:${Partition}:ec2:${Region}:${Account}:security-group-rule/${SecurityGroupRuleId}',
  snapshot: 'arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}',
  volume: 'arn:${Partition}:ec2:${Region}:${Account}:volume/${VolumeId}',
  ecsService: 'arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}',
  ecsTask: 'arn:${Partition}:ecs:${Region}:${Account}:task/${ClusterName}/${TaskId}',
  containerInstance: 'arn:${Partition}:ecs:${Region}:${Account}:container-instance/${ClusterName}/${ContainerInstanceId}',
  autoScalingGroup: 'arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:${GroupId}:autoScalingGroupName/${GroupFriendlyName}',
  function: 'arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}',
  eventSourceMapping: 'arn:${Partition}:lambda:${Region}:${Account}:event-source-mapping:${UUID}',
  scalableTarget: 'arn:${Partition}:application-autoscaling:${Region}:${Account}:scalable-target/${ResourceId}',
  distribution: 'arn:${Partition}:cloudfront::${Account}:distribution/${DistributionId}',
  hostedzone: 'arn:${Partition}:route53:::hostedzone/${Id}',
  healthcheck: 'arn:${Partition}:route53:::healthcheck/${Id}',
  change: 'arn:${Partition}:route53:::change/${Id}',
  queue: 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}',
  topic: 'arn:${Partition}:sns:${Region}:${Account}:${TopicName}',
  trail: 'arn:${Partition}:cloudtrail:${Region}:${Account}:trail/${TrailName}',
  product: 'arn:${Partition}:securityhub:${Region}:${Account}:product/${Company}/${ProductId}',
  hub: 'arn:${Partition}:securityhub:${Region}:${Account}:hub/default',
  dataset: 'arn:${Partition}:cloudwatch:${Region}:${Account}:dataset/${DatasetId}',
  secret: 'arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}',
} as const;

type ResourceType = { arn: string; required: boolean };
const req = (arn: string): ResourceType => ({ arn, required: true });
const opt = (arn: string): ResourceType => ({ arn, required: false });

/** Every action the template grants, with its resource types; none means "Resource must be *". */
const SAR: Record<string, ResourceType[]> = {
  'ssm:StartAutomationExecution': [opt(ARN.automationDefinition), req(ARN.automationExecution), req(ARN.document)],
  'ssm:GetAutomationExecution': [req(ARN.automationExecution)],
  'ssm:StopAutomationExecution': [req(ARN.automationExecution)],
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
  'ssm:DescribeAutomationExecutions': [],
  'ssm:AddTagsToResource': [opt(ARN.automationExecution)],
  'iam:PassRole': [req(ARN.role)],
  'dynamodb:GetItem': [req(ARN.table)],
  'dynamodb:BatchGetItem': [req(ARN.table)],
  'dynamodb:PutItem': [req(ARN.table)],
  'dynamodb:UpdateItem': [req(ARN.table)],
  'dynamodb:Query': [opt(ARN.index), req(ARN.table)],
  'dynamodb:Scan': [opt(ARN.index), req(ARN.table)],
  'dynamodb:DescribeTable': [req(ARN.table)],
  'dynamodb:UpdateTable': [req(ARN.table)],
  's3:PutObject': [opt(ARN.object)],
  's3:GetBucketPublicAccessBlock': [req(ARN.bucket)],
  's3:GetBucketPolicyStatus': [req(ARN.bucket)],
  's3:GetBucketAcl': [opt(ARN.bucket)],
  's3:PutBucketPublicAccessBlock': [req(ARN.bucket)],
  'ec2:DescribeInstances': [],
  'ec2:DescribeInstanceStatus': [],
  'ec2:DescribeInstanceTypes': [],
  'ec2:DescribeSecurityGroups': [],
  'ec2:DescribeSecurityGroupRules': [],
  'ec2:DescribeNetworkInterfaces': [],
  'ec2:DescribeVolumes': [],
  'ec2:DescribeSnapshots': [],
  'ec2:DescribeImages': [],
  'ec2:DeleteSnapshot': [req(ARN.snapshot)],
  'ec2:DescribeInstanceAttribute': [req(ARN.instance)],
  'ec2:GetConsoleOutput': [req(ARN.instance)],
  'ec2:StopInstances': [req(ARN.instance)],
  'ec2:StartInstances': [req(ARN.instance)],
  'ec2:RevokeSecurityGroupIngress': [req(ARN.securityGroup)],
  'ec2:AuthorizeSecurityGroupIngress': [req(ARN.securityGroup), opt(ARN.securityGroupRule)],
  'ec2:CreateSnapshots': [req(ARN.instance), req(ARN.snapshot), req(ARN.volume)],
  'ec2:CreateTags': [opt(ARN.snapshot)],
  'ecs:DescribeServices': [req(ARN.ecsService)],
  'ecs:DescribeTasks': [req(ARN.ecsTask)],
  'ecs:ListTasks': [req(ARN.containerInstance)],
  'ecs:ListTaskDefinitions': [],
  'ecs:UpdateService': [req(ARN.ecsService)],
  'autoscaling:DescribeAutoScalingInstances': [],
  'autoscaling:DescribeAutoScalingGroups': [],
  'autoscaling:DescribeScalingActivities': [],
  'autoscaling:SetDesiredCapacity': [req(ARN.autoScalingGroup)],
  'lambda:GetAccountSettings': [],
  'lambda:ListEventSourceMappings': [],
  'lambda:GetFunctionConcurrency': [req(ARN.function)],
  'lambda:PutFunctionConcurrency': [req(ARN.function)],
  'lambda:GetEventSourceMapping': [req(ARN.eventSourceMapping)],
  'lambda:UpdateEventSourceMapping': [req(ARN.eventSourceMapping)],
  'application-autoscaling:DescribeScalableTargets': [],
  'application-autoscaling:RegisterScalableTarget': [req(ARN.scalableTarget)],
  'cloudfront:ListDistributions': [],
  'cloudfront:ListInvalidations': [req(ARN.distribution)],
  'cloudfront:GetInvalidation': [req(ARN.distribution)],
  'cloudfront:CreateInvalidation': [req(ARN.distribution)],
  'elasticloadbalancing:DescribeLoadBalancers': [],
  'route53:ListHostedZones': [],
  'route53:ListResourceRecordSets': [req(ARN.hostedzone)],
  'route53:GetHealthCheckStatus': [req(ARN.healthcheck)],
  'route53:ListTagsForResource': [opt(ARN.healthcheck), opt(ARN.hostedzone)],
  'route53:ChangeTagsForResource': [req(ARN.healthcheck), req(ARN.hostedzone)],
  'route53:ChangeResourceRecordSets': [req(ARN.hostedzone)],
  'route53:GetChange': [req(ARN.change)],
  'sqs:GetQueueUrl': [req(ARN.queue)],
  'sqs:GetQueueAttributes': [req(ARN.queue)],
  'sqs:ListDeadLetterSourceQueues': [req(ARN.queue)],
  'sqs:ListMessageMoveTasks': [req(ARN.queue)],
  'sqs:StartMessageMoveTask': [req(ARN.queue)],
  'sqs:CancelMessageMoveTask': [req(ARN.queue)],
  'sqs:ReceiveMessage': [req(ARN.queue)],
  'sqs:DeleteMessage': [req(ARN.queue)],
  'sqs:SendMessage': [req(ARN.queue)],
  'sns:ListSubscriptionsByTopic': [req(ARN.topic)],
  'sns:GetSubscriptionAttributes': [opt(ARN.topic)],
  'sns:SetSubscriptionAttributes': [opt(ARN.topic)],
  'sns:Publish': [req(ARN.topic)],
  'cloudtrail:DescribeTrails': [],
  'cloudtrail:GetTrailStatus': [req(ARN.trail)],
  'cloudtrail:StartLogging': [req(ARN.trail)],
  'config:GetComplianceDetailsByResource': [],
  'iam:ListUsers': [],
  'iam:GetUser': [req(ARN.user)],
  'iam:ListAccessKeys': [req(ARN.user)],
  'iam:GetAccessKeyLastUsed': [req(ARN.user)],
  'iam:ListUserTags': [req(ARN.user)],
  'iam:ListUserPolicies': [req(ARN.user)],
  'iam:UpdateAccessKey': [req(ARN.user)],
  'iam:CreateAccessKey': [req(ARN.user)],
  'iam:DeleteAccessKey': [req(ARN.user)],
  'secretsmanager:DescribeSecret': [req(ARN.secret)],
  'secretsmanager:PutSecretValue': [req(ARN.secret)],
  'iam:TagUser': [req(ARN.user)],
  'iam:UntagUser': [req(ARN.user)],
  'iam:PutUserPolicy': [req(ARN.user)],
  'iam:DeleteUserPolicy': [req(ARN.user)],
  'iam:GetRole': [req(ARN.role)],
  'iam:ListRolePolicies': [req(ARN.role)],
  'iam:PutRolePolicy': [req(ARN.role)],
  'iam:DeleteRolePolicy': [req(ARN.role)],
  'securityhub:BatchImportFindings': [req(ARN.product)],
  'securityhub:GetFindings': [opt(ARN.hub)],
  'cloudwatch:PutMetricData': [opt(ARN.dataset)],
};

const CONTEXT = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', TablePrefix: 'chatops-', SnapshotBucket: 'snapshots-bucket', SnapshotPrefix: 'chatops-snapshots/', DiagnosticsBucket: 'diagnostics-bucket', NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:key-owners' } as Record<string, string>;

/** The CloudFormation short forms, resolved with every optional parameter set (so every statement shows). */
const tags: (ScalarTag | CollectionTag)[] = [
  { tag: '!Sub', resolve: (value: string) => value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => CONTEXT[name] ?? `\${${name}}`) },
  { tag: '!Ref', resolve: (value: string) => (value === 'AWS::NoValue' ? undefined : (CONTEXT[value] ?? `ref:${value}`)) },
  { tag: '!GetAtt', resolve: (value: string) => (value === 'AutomationRole.Arn' ? 'arn:aws:iam::123456789012:role/chatops-iam-AutomationRole-ABC' : `getatt:${value}`) },
  { tag: '!If', collection: 'seq', resolve: (seq) => (seq as unknown as { items: { toJSON?: () => unknown; value?: unknown }[] }).items[1] },
  { tag: '!Not', collection: 'seq', resolve: (seq) => seq },
  { tag: '!Equals', collection: 'seq', resolve: (seq) => seq },
];

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const root = join(import.meta.dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const template = parse(readFileSync(join(root, 'manifests', 'cloudformation', 'iam.yaml'), 'utf8'), { customTags: tags }) as any;

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const botStatements: Statement[] = plain(template.Resources.BotPolicy.Properties.PolicyDocument.Statement).filter(Boolean);
const automationStatements: Statement[] = plain(template.Resources.AutomationRole.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement)).filter(Boolean);

function arnPattern(format: string): RegExp {
  const pattern = format
    .split(/(\$\{[^}]+\})/)
    .map((part) => {
      const variable = /^\$\{([^}]+)\}$/.exec(part)?.[1];
      if (!variable) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      if (variable === 'Partition') return 'aws';
      if (variable === 'Region') return 'eu-west-1';
      if (variable === 'Account') return '123456789012';
      // Paths and resource ids may hold slashes; every other name is one segment (or a wildcard).
      return /WithPath|ObjectName|ResourceId|SecretId/.test(variable) ? '.+' : '[^/:]+';
    })
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** Why `statement` grants `action` on resources the reference does not allow, or undefined. */
function misfit(action: string, resources: string[]): string | undefined {
  const types = SAR[action];
  if (!types) return `${action} is not in this test's table: add its resource types from the Service Authorization Reference`;
  if (resources.includes('*')) {
    return types.some((t) => t.required) ? `${action} takes resource types ${types.filter((t) => t.required).map((t) => t.arn).join(', ')}; '*' is too wide` : undefined;
  }
  if (types.length === 0) return `${action} has no resource type: its Resource must be '*'`;
  for (const resource of resources) {
    if (!types.some((t) => arnPattern(t.arn).test(resource))) return `${action} on ${resource}: not an ARN of ${types.map((t) => t.arn).join(' or ')}`;
  }
  for (const type of types.filter((t) => t.required)) {
    if (!resources.some((r) => arnPattern(type.arn).test(r))) return `${action} needs its required resource type ${type.arn} in the same statement`;
  }
  return undefined;
}

const allowed = [...botStatements, ...automationStatements].filter((s) => s.Effect === 'Allow');

describe('iam.yaml against the Service Authorization Reference', () => {
  it.each(allowed.flatMap((s) => list(s.Action).map((action) => [s.Sid ?? '(no Sid)', action, list(s.Resource)] as const)))(
    'statement %s grants %s on resource types the reference lists',
    (_sid, action, resources) => {
      expect(misfit(action, [...resources])).toBeUndefined();
    },
  );

  it.each<[string, string, string[]]>([
    ['StartAutomationExecution on the automation-definition only (the shape that failed)', 'ssm:StartAutomationExecution', ['arn:aws:ssm:eu-west-1:123456789012:automation-definition/ChatOps-X:$DEFAULT']],
    ['StartAutomationExecution without the execution', 'ssm:StartAutomationExecution', ['arn:aws:ssm:eu-west-1:123456789012:document/ChatOps-X']],
    ['UpdateService on *', 'ecs:UpdateService', ['*']],
    ['DescribeInstances on an instance ARN', 'ec2:DescribeInstances', ['arn:aws:ec2:eu-west-1:123456789012:instance/*']],
    ['an action the table does not know', 'ec2:TerminateInstances', ['*']],
  ])('would refuse %s', (_label, action, resources) => {
    expect(misfit(action, resources)).toBeDefined();
  });
});

describe('what the bot may do', () => {
  const names = readdirSync(join(root, 'runbooks', 'ssm')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
  const start = botStatements.find((s) => list(s.Action).includes('ssm:StartAutomationExecution'))!;

  it('starts exactly the shipped documents, and only in their executions', () => {
    const documents = list(start.Resource).flatMap((r) => /:document\/(.+)$/.exec(r)?.[1] ?? []).sort();
    expect(documents).toEqual(names);
    expect(list(start.Resource)).toContain('arn:aws:ssm:eu-west-1:123456789012:automation-execution/*');
  });

  it('passes only the automation role, and only to SSM', () => {
    const pass = allowed.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(pass[0]).toMatchObject({ Resource: 'arn:aws:iam::123456789012:role/chatops-iam-AutomationRole-ABC', Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } } });
    expect(automationStatements.some((s) => list(s.Action).includes('iam:PassRole'))).toBe(false);
  });

  it('deletes nothing from any table (no store calls DeleteItem) and is denied rewriting the audit trail', () => {
    expect(allowed.some((s) => list(s.Action).some((a) => /Delete(Item|Table)|BatchWriteItem/.test(a)))).toBe(false);
    expect(botStatements.find((s) => s.Sid === 'AuditNeverRewritten')).toMatchObject({ Effect: 'Deny', Action: expect.arrayContaining(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']) });
  });
});

describe('what the automation role may do', () => {
  it('emits metrics only in the AIOps/Automation namespace', () => {
    const metric = automationStatements.find((s) => list(s.Action).includes('cloudwatch:PutMetricData'));
    expect(metric?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'AIOps/Automation' } });
  });

  it('writes diagnostics only under chatops/diagnostics/ of the diagnostics bucket', () => {
    const put = automationStatements.filter((s) => list(s.Action).includes('s3:PutObject'));
    expect(put.map((s) => s.Resource)).toEqual(['arn:aws:s3:::diagnostics-bucket/chatops/diagnostics/*']);
  });

  it('publishes only to the key-owner topic', () => {
    const publish = automationStatements.filter((s) => list(s.Action).includes('sns:Publish'));
    expect(publish.map((s) => s.Resource)).toEqual([CONTEXT.NotificationTopicArn]);
  });
});

/** IAM actions whose name is not the API's: S3's public access block calls (list_amazons3.html). */
const PERMISSION_OF: Record<string, string> = {
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
};
/** boto3 and aws:executeAwsApi service names → IAM service prefixes, where they differ. */
const PREFIX_OF: Record<string, string> = { elbv2: 'elasticloadbalancing' };
/** Granted without a document calling them itself: what the calls need on their behalf. */
const IMPLIED: Record<string, string> = {
  'ec2:CreateTags': 'CreateSnapshots tags the snapshots it creates (TagSpecifications)',
  'sqs:ReceiveMessage': 'a message move task receives from the dead-letter queue as its starter',
  'sqs:DeleteMessage': 'a message move task deletes what it moved from the dead-letter queue',
  'sqs:SendMessage': 'a message move task sends to the source queues as its starter',
  's3:PutObject': 'store_diagnostics (CollectDiagnostics) writes the captured state',
};
/** Calls that need no permission. */
const FREE = new Set(['sts:GetCallerIdentity']);

const pascal = (snake: string) => snake.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
const permission = (service: string, api: string) => {
  const action = `${PREFIX_OF[service] ?? service}:${api}`;
  return PERMISSION_OF[action] ?? action;
};

/** Every AWS call of a document: executeAwsApi/wait/assert steps, and the boto3 calls of its scripts. */
function callsOf(doc: { mainSteps: { action: string; inputs?: Record<string, unknown> }[] }): string[] {
  const calls: string[] = [];
  for (const step of doc.mainSteps) {
    const inputs = step.inputs ?? {};
    if (typeof inputs.Service === 'string' && typeof inputs.Api === 'string') calls.push(permission(inputs.Service, inputs.Api));
    if (typeof inputs.Script !== 'string') continue;
    const script = inputs.Script;
    const clients = new Map<string, string>();
    for (const m of script.matchAll(/(\w+)(?:, (\w+))? = boto3\.client\('([\w-]+)'\)(?:, boto3\.client\('([\w-]+)'\))?$/gm)) {
      clients.set(m[1]!, m[3]!);
      if (m[2] && m[4]) clients.set(m[2], m[4]);
    }
    for (const m of script.matchAll(/boto3\.client\('([\w-]+)'\)\.(\w+)\(/g)) calls.push(permission(m[1]!, pascal(m[2]!)));
    for (const [variable, service] of clients) {
      // A call, or a method passed on to be called (read(s3.get_bucket_acl, ...)).
      for (const m of script.matchAll(new RegExp(`\\b${variable}\\.(\\w+)\\b`, 'g'))) {
        const method = m[1]!;
        if (method === 'get_paginator') continue;
        if (method === 'exceptions') continue;
        calls.push(permission(service, pascal(method)));
      }
      for (const m of script.matchAll(new RegExp(`\\b${variable}\\.get_paginator\\('(\\w+)'\\)`, 'g'))) calls.push(permission(service, pascal(m[1]!)));
    }
  }
  return calls.filter((c) => !FREE.has(c));
}

describe('the automation role and the documents', () => {
  const documents = readdirSync(join(root, 'runbooks', 'ssm'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), doc: parse(readFileSync(join(root, 'runbooks', 'ssm', f), 'utf8')) as Parameters<typeof callsOf>[0] }));
  const granted = new Set(automationStatements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));

  it.each(documents)('grants every call $name makes', ({ doc }) => {
    expect(callsOf(doc).filter((c) => !granted.has(c))).toEqual([]);
  });

  it('grants nothing no document calls, except what a call needs on its behalf', () => {
    const used = new Set(documents.flatMap(({ doc }) => callsOf(doc)));
    expect([...granted].filter((a) => !used.has(a) && !(a in IMPLIED)).sort()).toEqual([]);
  });

  it('finds the calls of a script, so the checks above can fail', () => {
    const doc = { mainSteps: [{ action: 'aws:executeScript', inputs: { Script: "ec2 = boto3.client('ec2')\nec2.terminate_instances(InstanceIds=[i])\nboto3.client('s3').get_public_access_block(Bucket=b)" } }] };
    expect(callsOf(doc)).toEqual(['s3:GetBucketPublicAccessBlock', 'ec2:TerminateInstances']);
  });
});
