import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkSsmDocument } from '../../src/core/runbooks/ssm-document-rules.js';
import { STORE_DIAGNOSTICS_FUNCTION } from '../../src/core/runbooks/ssm-diagnostics-rule.js';
import { documentsOf, runbookSchema } from '../../src/core/runbooks/schema.js';
import { renderSsmStack } from '../../src/cli/render-ssm-stack.js';
import type { ShippedDocument } from '../../src/cli/render-ssm-stack.js';

const root = join(import.meta.dirname, '..', '..');
const ssmDir = join(root, 'runbooks', 'ssm');
const shipped = readdirSync(ssmDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: basename(f, '.yaml'), doc: parse(readFileSync(join(ssmDir, f), 'utf8')) as unknown }));

type Doc = { mainSteps: Record<string, unknown>[] } & Record<string, unknown>;

/** The step that counts a run in AIOps/Automation RemediationExecuted with the given outcome. */
function metricStep(name: string, outcome: string, document = 'Good'): Record<string, unknown> {
  return {
    name,
    action: 'aws:executeAwsApi',
    maxAttempts: 3,
    timeoutSeconds: 300,
    onFailure: 'Continue',
    isCritical: false,
    inputs: {
      Service: 'cloudwatch',
      Api: 'PutMetricData',
      Namespace: 'AIOps/Automation',
      MetricData: [{ MetricName: 'RemediationExecuted', Dimensions: [{ Name: 'runbook', Value: document }, { Name: 'outcome', Value: outcome }], Value: 1, Unit: 'Count' }],
    },
    isEnd: true,
  };
}

/** A small document that follows every rule; each broken variant changes one thing. */
function goodDocument(): Doc {
  const common = { maxAttempts: 3, timeoutSeconds: 300 };
  return {
    schemaVersion: '0.3',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      InstanceId: { type: 'String' },
      DiagnosticsBucket: { type: 'String', default: '' },
      AutomationAssumeRole: { type: 'String', default: '' },
    },
    mainSteps: [
      {
        name: 'CollectDiagnostics',
        action: 'aws:executeScript',
        ...common,
        inputs: {
          Runtime: 'python3.11',
          Handler: 'script_handler',
          InputPayload: { InstanceId: '{{ InstanceId }}', DiagnosticsBucket: '{{ DiagnosticsBucket }}', ExecutionId: '{{ automation:EXECUTION_ID }}', DocumentName: 'Good' },
          Script: `import json\n\nimport boto3\n\n\n${STORE_DIAGNOSTICS_FUNCTION}\n\n\ndef script_handler(events, context):\n    state = {}\n    return {'State': 'running', 'DiagnosticsObject': store_diagnostics(events, state)}\n`,
        },
        outputs: [
          { Name: 'State', Selector: '$.Payload.State', Type: 'String' },
          { Name: 'DiagnosticsObject', Selector: '$.Payload.DiagnosticsObject', Type: 'String' },
        ],
      },
      {
        name: 'EligibilityCheck',
        action: 'aws:branch',
        ...common,
        inputs: { Choices: [{ NextStep: 'StopInstance', Variable: '{{ CollectDiagnostics.State }}', StringEquals: 'running' }], Default: 'EmitSkippedMetric' },
      },
      { name: 'StopInstance', action: 'aws:executeAwsApi', ...common, onFailure: 'Abort', onCancel: 'Abort', inputs: { Service: 'ec2', Api: 'StopInstances' } },
      {
        name: 'ValidateRemediation',
        action: 'aws:assertAwsResourceProperty',
        ...common,
        onFailure: 'step:EmitFailureMetric',
        inputs: { Service: 'ec2', Api: 'DescribeInstances' },
        nextStep: 'EmitSuccessMetric',
      },
      metricStep('EmitSuccessMetric', 'success'),
      metricStep('EmitFailureMetric', 'failure'),
      metricStep('EmitSkippedMetric', 'skipped'),
    ],
  };
}

/** The same document without its state change: a read-only document, which emits no metric. */
function readOnlyDocument(): Doc {
  const doc = goodDocument();
  doc.mainSteps = doc.mainSteps.filter((s) => !['StopInstance', 'EmitSuccessMetric', 'EmitFailureMetric', 'EmitSkippedMetric'].includes(String(s.name)));
  const [, check, validate] = doc.mainSteps as Record<string, unknown>[];
  check!.inputs = { Choices: [{ NextStep: 'ValidateRemediation', Variable: '{{ CollectDiagnostics.State }}', StringEquals: 'running' }] };
  check!.isEnd = true;
  delete validate!.onFailure;
  delete validate!.nextStep;
  validate!.isEnd = true;
  return doc;
}

function withStep(doc: Doc, name: string, change: (step: Record<string, unknown>) => void): Doc {
  const step = doc.mainSteps.find((s) => s.name === name);
  if (!step) throw new Error(`no step ${name} in the test document`);
  change(step);
  return doc;
}

describe('checkSsmDocument', () => {
  it('ships at least one document', () => {
    expect(shipped.length).toBeGreaterThan(0);
  });

  it.each(shipped)('accepts the shipped document $name', ({ name, doc }) => {
    expect(checkSsmDocument(name, doc)).toEqual([]);
  });

  it('accepts the small document the broken variants start from', () => {
    expect(checkSsmDocument('Good', goodDocument())).toEqual([]);
  });

  it('accepts a read-only document without metric steps', () => {
    expect(checkSsmDocument('Good', readOnlyDocument())).toEqual([]);
  });

  it.each<[string, () => Doc, RegExp]>([
    [
      'a document whose last step is not ValidateRemediation',
      () => {
        const doc = readOnlyDocument();
        doc.mainSteps.pop();
        return doc;
      },
      /the last step is EligibilityCheck; it must be ValidateRemediation/,
    ],
    [
      'a destructive step without onFailure: Abort',
      () => withStep(goodDocument(), 'StopInstance', (s) => (s.onFailure = 'Continue')),
      /step StopInstance changes state \(calls ec2 StopInstances\) so needs onFailure: Abort, found Continue/,
    ],
    [
      'a destructive step without onCancel: Abort',
      () => withStep(goodDocument(), 'StopInstance', (s) => delete s.onCancel),
      /step StopInstance changes state .* so needs onCancel: Abort, found none/,
    ],
    [
      'a script marked # destructive without onFailure: Abort',
      () =>
        withStep(goodDocument(), 'StopInstance', (s) => {
          s.action = 'aws:executeScript';
          s.inputs = { Runtime: 'python3.11', Handler: 'script_handler', Script: 'def script_handler(events, context):\n    # destructive\n    pass\n' };
          delete s.onFailure;
        }),
      /step StopInstance changes state \(runs a script marked # destructive\) so needs onFailure: Abort/,
    ],
    [
      'a step with the wrong maxAttempts',
      () => withStep(goodDocument(), 'EligibilityCheck', (s) => (s.maxAttempts = 1)),
      /step EligibilityCheck: maxAttempts must be 3, found 1/,
    ],
    [
      'a step without timeoutSeconds',
      () => withStep(goodDocument(), 'ValidateRemediation', (s) => delete s.timeoutSeconds),
      /step ValidateRemediation: timeoutSeconds must be 300, found none/,
    ],
    [
      'a first step that is not CollectDiagnostics',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => (s.name = 'ReadInstance')),
      /the first step is ReadInstance; it must be CollectDiagnostics/,
    ],
    [
      'a document without an EligibilityCheck step',
      () => withStep(goodDocument(), 'EligibilityCheck', (s) => (s.name = 'Choose')),
      /no EligibilityCheck step/,
    ],
    [
      'an EligibilityCheck with no graceful way out',
      () => withStep(readOnlyDocument(), 'EligibilityCheck', (s) => delete s.isEnd),
      /step EligibilityCheck has no graceful way out/,
    ],
    [
      'a destructive step before the EligibilityCheck',
      () => {
        const doc = goodDocument();
        const [collect, check, stop, ...rest] = doc.mainSteps as [Doc['mainSteps'][0], Doc['mainSteps'][0], Doc['mainSteps'][0], ...Doc['mainSteps']];
        doc.mainSteps = [collect, stop, check, ...rest];
        return doc;
      },
      /step StopInstance changes state .* before EligibilityCheck has run/,
    ],
    [
      'a branch choice naming a step that does not exist',
      () => withStep(goodDocument(), 'EligibilityCheck', (s) => ((s.inputs as { Choices: { NextStep: string }[] }).Choices[0]!.NextStep = 'Missing')),
      /step EligibilityCheck: NextStep names Missing, which is not a step of this document/,
    ],
    [
      'a document without DiagnosticsBucket',
      () => {
        const doc = goodDocument();
        delete (doc.parameters as Record<string, unknown>).DiagnosticsBucket;
        return doc;
      },
      /parameter DiagnosticsBucket must be declared as type: String with default: ''/,
    ],
    [
      'a CollectDiagnostics that is an API call (it cannot write to S3)',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => ((s.action = 'aws:executeAwsApi'), (s.inputs = { Service: 'ec2', Api: 'DescribeInstances' }))),
      /step CollectDiagnostics must be an aws:executeScript that can write the captured state to S3/,
    ],
    [
      'a CollectDiagnostics that is not given the bucket',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => delete (s.inputs as { InputPayload: Record<string, unknown> }).InputPayload.DiagnosticsBucket),
      /step CollectDiagnostics: InputPayload.DiagnosticsBucket must be '\{\{ DiagnosticsBucket \}\}'/,
    ],
    [
      'a CollectDiagnostics that names another document',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => ((s.inputs as { InputPayload: Record<string, unknown> }).InputPayload.DocumentName = 'Other')),
      /InputPayload.DocumentName must be 'Broken', found "Other"/,
    ],
    [
      'a CollectDiagnostics script whose store_diagnostics was edited',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => ((s.inputs as { Script: string }).Script = (s.inputs as { Script: string }).Script.replace("if not bucket:", 'if False:'))),
      /the script must define store_diagnostics exactly/,
    ],
    [
      'a CollectDiagnostics script that never calls store_diagnostics',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => ((s.inputs as { Script: string }).Script = (s.inputs as { Script: string }).Script.replace("'DiagnosticsObject': store_diagnostics(events, state)", "'DiagnosticsObject': ''"))),
      /the script must call store_diagnostics\(events, <captured state>\)/,
    ],
    [
      'a CollectDiagnostics without the DiagnosticsObject output',
      () => withStep(goodDocument(), 'CollectDiagnostics', (s) => ((s.outputs as unknown[]).length = 1)),
      /must declare the output DiagnosticsObject/,
    ],
    [
      'an action document without its failure metric',
      () => {
        const doc = goodDocument();
        doc.mainSteps = doc.mainSteps.filter((s) => s.name !== 'EmitFailureMetric');
        return doc;
      },
      /no EmitFailureMetric step: an action document ends by emitting RemediationExecuted \(outcome failure\)/,
    ],
    [
      'a metric step in another namespace',
      () => withStep(goodDocument(), 'EmitSuccessMetric', (s) => ((s.inputs as Record<string, unknown>).Namespace = 'Custom/Things')),
      /step EmitSuccessMetric: Namespace must be AIOps\/Automation/,
    ],
    [
      'a metric step whose runbook dimension names another document',
      () => withStep(goodDocument(), 'EmitSuccessMetric', (s) => Object.assign(s, metricStep('EmitSuccessMetric', 'success', 'Other'))),
      /step EmitSuccessMetric: MetricData must be one datum: MetricName RemediationExecuted, Value 1, Unit Count, Dimensions runbook=Broken and outcome=success/,
    ],
    [
      'a metric step with the wrong outcome',
      () => withStep(goodDocument(), 'EmitFailureMetric', (s) => Object.assign(s, metricStep('EmitFailureMetric', 'success'))),
      /Dimensions runbook=Broken and outcome=failure/,
    ],
    [
      'a metric step that can fail the run',
      () => withStep(goodDocument(), 'EmitSuccessMetric', (s) => ((s.onFailure = 'Abort'), delete s.isCritical)),
      /step EmitSuccessMetric must have isCritical: false and onFailure: Continue/,
    ],
    [
      'a ValidateRemediation whose failure is not counted',
      () => withStep(goodDocument(), 'ValidateRemediation', (s) => (s.onFailure = 'Abort')),
      /step ValidateRemediation must have onFailure: step:EmitFailureMetric/,
    ],
    [
      'a ValidateRemediation that ends without counting its success',
      () => withStep(goodDocument(), 'ValidateRemediation', (s) => (delete s.nextStep, (s.isEnd = true))),
      /step ValidateRemediation must have nextStep: EmitSuccessMetric/,
    ],
    [
      'an EligibilityCheck whose graceful exit is not counted as skipped',
      () => withStep(goodDocument(), 'EligibilityCheck', (s) => (delete (s.inputs as Record<string, unknown>).Default, (s.isEnd = true))),
      /step EligibilityCheck must be an aws:branch whose Default is EmitSkippedMetric/,
    ],
    [
      'a step that does work after ValidateRemediation',
      () => {
        const doc = goodDocument();
        const stop = doc.mainSteps.splice(2, 1)[0]!;
        doc.mainSteps.splice(4, 0, { ...stop, name: 'StopAgain' });
        return doc;
      },
      /only the three metric steps may follow ValidateRemediation, found EmitSuccessMetric, StopAgain/,
    ],
    [
      'a numeric schemaVersion',
      () => ({ ...goodDocument(), schemaVersion: 0.3 }),
      /schemaVersion must be the string '0.3'/,
    ],
    [
      'an AutomationAssumeRole with a fixed default',
      () => ({ ...goodDocument(), parameters: { AutomationAssumeRole: { type: 'String', default: 'arn:aws:iam::123456789012:role/x' } } }),
      /parameter AutomationAssumeRole must be declared with default: ''/,
    ],
  ])('refuses %s', (_label, build, expected) => {
    const problems = checkSsmDocument('Broken', build());
    expect(problems.some((p) => p.startsWith('Broken: ') && expected.test(p)), problems.join('\n')).toBe(true);
  });

  it('refuses something that is not a mapping', () => {
    expect(checkSsmDocument('Empty', null)).toEqual(['Empty: the document is not a YAML mapping']);
  });
});

describe('the shipped catalogue', () => {
  const runbooks = readdirSync(join(root, 'runbooks'))
    .filter((f) => f.endsWith('.yaml') && f !== 'policy.yaml')
    .map((f) => runbookSchema.parse(parse(readFileSync(join(root, 'runbooks', f), 'utf8'))));
  const referenced = new Set(runbooks.flatMap((rb) => documentsOf(rb).map((d) => d.document)));
  const names = shipped.map((d) => d.name);

  it('ships a document for every document a runbook names, and no other', () => {
    expect([...referenced].sort()).toEqual([...names].sort());
  });

  it.each(runbooks.flatMap((rb) => documentsOf(rb)))(
    'declares in $document every parameter the runbook passes to it',
    ({ document, parameters }) => {
      const doc = shipped.find((d) => d.name === document)?.doc as { parameters?: Record<string, unknown> } | undefined;
      expect(Object.keys(doc?.parameters ?? {})).toEqual(expect.arrayContaining(parameters));
    },
  );

  it('deploys exactly the shipped documents, each unchanged but for the role, bucket and topic defaults the stack fills in', () => {
    const stack = parse(readFileSync(join(root, 'manifests', 'cloudformation', 'ssm-documents.yaml'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Name: string; Content: Doc } }>;
    };
    const embedded = Object.values(stack.Resources).filter((r) => r.Type === 'AWS::SSM::Document');
    expect(embedded.map((r) => r.Properties.Name).sort()).toEqual([...names].sort());
    for (const { name, doc } of shipped) {
      const expected = structuredClone(doc) as { parameters: Record<string, { default: unknown }> };
      expected.parameters.AutomationAssumeRole!.default = { Ref: 'AutomationRoleArn' };
      expected.parameters.DiagnosticsBucket!.default = { Ref: 'DiagnosticsBucket' };
      if (expected.parameters.NotificationTopicArn) expected.parameters.NotificationTopicArn.default = { Ref: 'NotificationTopicArn' };
      expect(embedded.find((r) => r.Properties.Name === name)?.Properties.Content, name).toEqual(expected);
    }
  });

  it('keeps the stack file exactly as npm run ssm:stack writes it', () => {
    const file = readFileSync(join(root, 'manifests', 'cloudformation', 'ssm-documents.yaml'), 'utf8');
    expect(file === renderSsmStack(shipped as ShippedDocument[]), 'manifests/cloudformation/ssm-documents.yaml is out of date: run npm run ssm:stack').toBe(true);
  });
});
