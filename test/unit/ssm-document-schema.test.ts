import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { systemPeer } from '../fakes/system-peers.js';

/**
 * Every document under runbooks/ssm as SSM would read it: the action names and step properties
 * the Automation actions reference documents, each action's inputs, and for each
 * aws:executeAwsApi / aws:waitForAwsResourceProperty / aws:assertAwsResourceProperty call the
 * request parameter names of that API, so a typo fails here instead of in production.
 *
 * Sources: https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html
 * (shared properties, aws:executeAwsApi, aws:executeScript, aws:branch and the two property
 * actions), and for each API its "Request Parameters" / "Request Syntax" in the service's API
 * reference, https://docs.aws.amazon.com/<service>/latest/APIReference/API_<Api>.html (e.g.
 * AWSEC2/latest/APIReference/API_CreateSnapshots.html, AWSSimpleQueueService/latest/APIReference/
 * API_StartMessageMoveTask.html, cloudfront/latest/APIReference/API_CreateInvalidation.html).
 */
const STEP_PROPERTIES = new Set(['name', 'action', 'description', 'maxAttempts', 'timeoutSeconds', 'onFailure', 'onCancel', 'isEnd', 'isCritical', 'nextStep', 'inputs', 'outputs']);
const DOCUMENT_PROPERTIES = new Set(['schemaVersion', 'description', 'assumeRole', 'parameters', 'outputs', 'mainSteps', 'files']);
const PARAMETER_PROPERTIES = new Set(['type', 'description', 'default', 'allowedValues', 'allowedPattern', 'displayType', 'minItems', 'maxItems', 'minChars', 'maxChars']);
const PARAMETER_TYPES = new Set(['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap', 'AWS::EC2::Instance::Id', 'AWS::IAM::Role::Arn', 'List<AWS::EC2::Instance::Id>']);
const OUTPUT_TYPES = new Set(['String', 'Integer', 'Boolean', 'StringList', 'StringMap', 'MapList']);
const ACTION_INPUTS: Record<string, Set<string>> = {
  'aws:executeScript': new Set(['Runtime', 'Handler', 'Script', 'InputPayload', 'Attachment']),
  'aws:branch': new Set(['Choices', 'Default']),
};
const PROPERTY_ACTION_INPUTS = new Set(['Service', 'Api', 'PropertySelector', 'DesiredValues']);
const BRANCH_OPERATORS = new Set(['NextStep', 'Variable', 'And', 'Or', 'Not', 'StringEquals', 'EqualsIgnoreCase', 'StartsWith', 'EndsWith', 'Contains', 'NumericEquals', 'NumericGreater', 'NumericLesser', 'NumericGreaterOrEquals', 'NumericLesserOrEquals', 'BooleanEquals']);
/** Runtimes aws:executeScript accepts for Python today. */
const RUNTIMES = new Set(['python3.11', 'python3.10', 'python3.9', 'python3.8']);
const ON_FAILURE = /^(Abort|Continue|step:[A-Za-z0-9_]+)$/;

/** Service → API → the request parameter names the API reference lists (only the calls the documents make). */
const API_PARAMETERS: Record<string, Record<string, string[]>> = {
  ec2: {
    AuthorizeSecurityGroupIngress: ['CidrIp', 'DryRun', 'FromPort', 'GroupId', 'GroupName', 'IpPermissions', 'IpProtocol', 'SourceSecurityGroupName', 'SourceSecurityGroupOwnerId', 'TagSpecifications', 'ToPort'],
    RevokeSecurityGroupIngress: ['CidrIp', 'DryRun', 'FromPort', 'GroupId', 'GroupName', 'IpPermissions', 'IpProtocol', 'SecurityGroupRuleIds', 'SourceSecurityGroupName', 'SourceSecurityGroupOwnerId', 'ToPort'],
    DescribeInstances: ['DryRun', 'Filters', 'InstanceIds', 'MaxResults', 'NextToken'],
    DescribeInstanceStatus: ['DryRun', 'Filters', 'IncludeAllInstances', 'InstanceIds', 'MaxResults', 'NextToken'],
    DescribeSecurityGroups: ['DryRun', 'Filters', 'GroupIds', 'GroupNames', 'MaxResults', 'NextToken'],
    StartInstances: ['AdditionalInfo', 'DryRun', 'InstanceIds'],
    StopInstances: ['DryRun', 'Force', 'Hibernate', 'InstanceIds', 'SkipOsShutdown'],
    CreateSnapshots: ['CopyTagsFromSource', 'Description', 'DryRun', 'InstanceSpecification', 'Location', 'OutpostArn', 'TagSpecifications'],
  },
  ecs: {
    DescribeServices: ['cluster', 'include', 'services'],
    UpdateService: ['availabilityZoneRebalancing', 'capacityProviderStrategy', 'cluster', 'deploymentConfiguration', 'deploymentController', 'desiredCount', 'enableECSManagedTags', 'enableExecuteCommand', 'forceNewDeployment', 'healthCheckGracePeriodSeconds', 'loadBalancers', 'networkConfiguration', 'placementConstraints', 'placementStrategy', 'platformVersion', 'propagateTags', 'service', 'serviceConnectConfiguration', 'serviceRegistries', 'taskDefinition', 'volumeConfigurations', 'vpcLatticeConfigurations'],
  },
  autoscaling: {
    SetDesiredCapacity: ['AutoScalingGroupName', 'DesiredCapacity', 'HonorCooldown'],
  },
  lambda: {
    PutFunctionConcurrency: ['FunctionName', 'ReservedConcurrentExecutions'],
    GetFunctionConcurrency: ['FunctionName'],
    UpdateEventSourceMapping: ['AmazonManagedKafkaEventSourceConfig', 'BatchSize', 'BisectBatchOnFunctionError', 'DestinationConfig', 'DocumentDBEventSourceConfig', 'Enabled', 'FilterCriteria', 'FunctionName', 'FunctionResponseTypes', 'KMSKeyArn', 'MaximumBatchingWindowInSeconds', 'MaximumRecordAgeInSeconds', 'MaximumRetryAttempts', 'MetricsConfig', 'ParallelizationFactor', 'ProvisionedPollerConfig', 'ScalingConfig', 'SelfManagedKafkaEventSourceConfig', 'SourceAccessConfigurations', 'TumblingWindowInSeconds', 'UUID'],
    GetEventSourceMapping: ['UUID'],
  },
  s3: {
    PutPublicAccessBlock: ['Bucket', 'ChecksumAlgorithm', 'ContentMD5', 'ExpectedBucketOwner', 'PublicAccessBlockConfiguration'],
  },
  dynamodb: {
    DescribeTable: ['TableName'],
    UpdateTable: ['AttributeDefinitions', 'BillingMode', 'DeletionProtectionEnabled', 'GlobalSecondaryIndexUpdates', 'GlobalTableWitnessUpdates', 'MultiRegionConsistency', 'OnDemandThroughput', 'ProvisionedThroughput', 'ReplicaUpdates', 'SSESpecification', 'StreamSpecification', 'TableClass', 'TableName', 'WarmThroughput'],
  },
  'application-autoscaling': {
    RegisterScalableTarget: ['MaxCapacity', 'MinCapacity', 'ResourceId', 'RoleARN', 'ScalableDimension', 'ServiceNamespace', 'SuspendedState', 'Tags'],
  },
  cloudfront: {
    CreateInvalidation: ['DistributionId', 'InvalidationBatch'],
    GetInvalidation: ['DistributionId', 'Id'],
  },
  route53: {
    GetChange: ['Id'],
  },
  sqs: {
    StartMessageMoveTask: ['DestinationArn', 'MaxNumberOfMessagesPerSecond', 'SourceArn'],
    CancelMessageMoveTask: ['TaskHandle'],
  },
  sns: {
    SetSubscriptionAttributes: ['AttributeName', 'AttributeValue', 'SubscriptionArn'],
    Publish: ['Message', 'MessageAttributes', 'MessageDeduplicationId', 'MessageGroupId', 'MessageStructure', 'PhoneNumber', 'Subject', 'TargetArn', 'TopicArn'],
  },
  cloudtrail: {
    StartLogging: ['Name'],
  },
  iam: {
    PutUserPolicy: ['PolicyDocument', 'PolicyName', 'UserName'],
    PutRolePolicy: ['PolicyDocument', 'PolicyName', 'RoleName'],
    DeleteUserPolicy: ['PolicyName', 'UserName'],
    DeleteRolePolicy: ['PolicyName', 'RoleName'],
  },
  securityhub: {
    BatchImportFindings: ['Findings'],
    GetFindings: ['Filters', 'MaxResults', 'NextToken', 'SortCriteria'],
  },
  cloudwatch: {
    PutMetricData: ['EntityMetricData', 'MetricData', 'Namespace', 'StrictEntityValidation'],
  },
};

type Step = Record<string, unknown> & { name: string; action: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown>[] };
type Doc = Record<string, unknown> & { parameters: Record<string, Record<string, unknown>>; mainSteps: Step[]; outputs?: string[] };

function branchProblems(choice: unknown, at: string): string[] {
  if (typeof choice !== 'object' || choice === null) return [`${at}: a choice must be a mapping`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(choice)) {
    if (!BRANCH_OPERATORS.has(key)) problems.push(`${at}: unknown choice operator ${key}`);
    if (key === 'And' || key === 'Or') for (const inner of value as unknown[]) problems.push(...branchProblems(inner, `${at}.${key}`));
    if (key === 'Not') problems.push(...branchProblems(value, `${at}.Not`));
  }
  return problems;
}

/** Every way `doc` would not be accepted (or not do what it says) as written. */
export function documentProblems(name: string, doc: Doc): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(doc)) if (!DOCUMENT_PROPERTIES.has(key)) problems.push(`unknown document property ${key}`);
  for (const [param, spec] of Object.entries(doc.parameters)) {
    for (const key of Object.keys(spec)) if (!PARAMETER_PROPERTIES.has(key)) problems.push(`parameter ${param}: unknown property ${key}`);
    if (!PARAMETER_TYPES.has(String(spec.type))) problems.push(`parameter ${param}: unknown type ${String(spec.type)}`);
    if (typeof spec.allowedPattern === 'string' && typeof spec.default === 'string' && !new RegExp(spec.allowedPattern).test(spec.default)) problems.push(`parameter ${param}: default ${JSON.stringify(spec.default)} fails its own allowedPattern`);
  }
  const stepOutputs = new Set<string>();
  for (const step of doc.mainSteps) {
    const at = `step ${step.name}`;
    for (const key of Object.keys(step)) if (!STEP_PROPERTIES.has(key)) problems.push(`${at}: unknown step property ${key}`);
    for (const key of ['onFailure', 'onCancel'] as const) if (step[key] !== undefined && !ON_FAILURE.test(String(step[key]))) problems.push(`${at}: ${key} ${String(step[key])} is not Abort, Continue or step:<name>`);
    const inputs = step.inputs ?? {};
    if (step.action === 'aws:executeAwsApi' || step.action === 'aws:waitForAwsResourceProperty' || step.action === 'aws:assertAwsResourceProperty') {
      const service = String(inputs.Service);
      const api = String(inputs.Api);
      const allowed = API_PARAMETERS[service]?.[api];
      if (!allowed) problems.push(`${at}: ${service} ${api} is not in this test's table of API parameters; add it from the API reference`);
      const own = step.action === 'aws:executeAwsApi' ? new Set(['Service', 'Api']) : PROPERTY_ACTION_INPUTS;
      if (step.action !== 'aws:executeAwsApi' && (!inputs.PropertySelector || !Array.isArray(inputs.DesiredValues))) problems.push(`${at}: needs PropertySelector and DesiredValues`);
      for (const key of Object.keys(inputs)) {
        if (own.has(key)) continue;
        if (allowed && !allowed.includes(key)) problems.push(`${at}: ${service} ${api} has no request parameter ${key}`);
      }
    } else if (ACTION_INPUTS[step.action]) {
      for (const key of Object.keys(inputs)) if (!ACTION_INPUTS[step.action]!.has(key)) problems.push(`${at}: ${step.action} has no input ${key}`);
      if (step.action === 'aws:executeScript') {
        if (!RUNTIMES.has(String(inputs.Runtime))) problems.push(`${at}: runtime ${String(inputs.Runtime)} is not one aws:executeScript runs`);
        if (inputs.Handler !== 'script_handler' || !String(inputs.Script).includes('def script_handler(events, context):')) problems.push(`${at}: Handler must name a function the script defines`);
      }
      if (step.action === 'aws:branch') (inputs.Choices as unknown[]).forEach((c, i) => problems.push(...branchProblems(c, `${at}: Choices[${i}]`)));
    } else {
      problems.push(`${at}: action ${step.action} is not one this test knows; add it with its documented inputs`);
    }
    for (const output of step.outputs ?? []) {
      if (!OUTPUT_TYPES.has(String(output.Type))) problems.push(`${at}: output ${String(output.Name)} has unknown Type ${String(output.Type)}`);
      if (typeof output.Selector !== 'string' || !output.Selector.startsWith('$')) problems.push(`${at}: output ${String(output.Name)} needs a JSONPath Selector`);
      stepOutputs.add(`${step.name}.${String(output.Name)}`);
    }
  }
  for (const output of doc.outputs ?? []) if (!stepOutputs.has(output)) problems.push(`document output ${output} is no step's output`);
  // Every {{ reference }} names a parameter, a step output or an Automation variable.
  const text = JSON.stringify(doc.mainSteps);
  for (const m of text.matchAll(/\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}/g)) {
    const ref = m[1]!;
    if (ref in doc.parameters || stepOutputs.has(ref) || /^(global:(ACCOUNT_ID|REGION|AWS_PARTITION|DATE|DATE_TIME)|automation:EXECUTION_ID)$/.test(ref)) continue;
    problems.push(`{{ ${ref} }} names no parameter, step output or Automation variable`);
  }
  return problems.map((p) => `${name}: ${p}`);
}

const root = join(import.meta.dirname, '..', '..');
const ssmDir = join(root, 'runbooks', 'ssm');
const documents = readdirSync(ssmDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: f.replace(/\.yaml$/, ''), doc: parse(readFileSync(join(ssmDir, f), 'utf8')) as Doc }));

describe('SSM documents as SSM reads them', () => {
  it.each(documents)('$name uses documented actions, inputs and API parameter names', ({ name, doc }) => {
    expect(documentProblems(name, doc)).toEqual([]);
  });

  it.each<[string, (doc: Doc) => void, RegExp]>([
    ['a misspelt API parameter', (d) => ((d.mainSteps.find((s) => s.name === 'ForceNewDeployment')!.inputs as Record<string, unknown>).forceNewDeploymnet = true), /ecs UpdateService has no request parameter forceNewDeploymnet/],
    ['a misspelt step property', (d) => (d.mainSteps[0]!.maxAttempt = 3), /unknown step property maxAttempt/],
    ['an unknown branch operator', (d) => ((d.mainSteps.find((s) => s.name === 'EligibilityCheck')!.inputs as { Choices: Record<string, unknown>[] }).Choices[0]!.BooleanEqual = true), /unknown choice operator BooleanEqual/],
    ['a reference to a missing output', (d) => ((d.mainSteps.find((s) => s.name === 'ForceNewDeployment')!.inputs as Record<string, unknown>).cluster = '{{ CollectDiagnostics.Nope }}'), /\{\{ CollectDiagnostics\.Nope \}\} names no parameter/],
    ['an unknown runtime', (d) => ((d.mainSteps[0]!.inputs as Record<string, unknown>).Runtime = 'python2.7'), /runtime python2\.7/],
  ])('refuses %s', (_label, change, expected) => {
    const doc = structuredClone(documents.find((d) => d.name === 'ChatOps-ECSForceNewDeployment')!.doc);
    change(doc);
    expect(documentProblems('X', doc).join('\n')).toMatch(expected);
  });
});

const python = systemPeer('python3');

describe('the Python of every aws:executeScript step', () => {
  it.skipIf(python.skip)('compiles (python3 -m py_compile)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatops-ssm-scripts-'));
    try {
      const files: string[] = [];
      for (const { name, doc } of documents) {
        for (const step of doc.mainSteps.filter((s) => s.action === 'aws:executeScript')) {
          const file = join(dir, `${name}__${step.name}.py`);
          writeFileSync(file, String(step.inputs?.Script));
          files.push(file);
        }
      }
      expect(files.length).toBeGreaterThan(30);
      execFileSync(python.binary, ['-m', 'py_compile', ...files], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
