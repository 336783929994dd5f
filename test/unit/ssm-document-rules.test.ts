import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkSsmDocument } from '../../src/core/runbooks/ssm-document-rules.js';
import { runbookSchema } from '../../src/core/runbooks/schema.js';

const root = join(import.meta.dirname, '..', '..');
const ssmDir = join(root, 'runbooks', 'ssm');
const shipped = readdirSync(ssmDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: basename(f, '.yaml'), doc: parse(readFileSync(join(ssmDir, f), 'utf8')) as unknown }));

type Doc = { mainSteps: Record<string, unknown>[] } & Record<string, unknown>;

/** A small document that follows every rule; each broken variant changes one thing. */
function goodDocument(): Doc {
  const common = { maxAttempts: 3, timeoutSeconds: 300 };
  return {
    schemaVersion: '0.3',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: { InstanceId: { type: 'String' }, AutomationAssumeRole: { type: 'String', default: '' } },
    mainSteps: [
      { name: 'CollectDiagnostics', action: 'aws:executeAwsApi', ...common, inputs: { Service: 'ec2', Api: 'DescribeInstances' } },
      {
        name: 'EligibilityCheck',
        action: 'aws:branch',
        ...common,
        inputs: { Choices: [{ NextStep: 'StopInstance', Variable: '{{ CollectDiagnostics.State }}', StringEquals: 'running' }] },
        isEnd: true,
      },
      { name: 'StopInstance', action: 'aws:executeAwsApi', ...common, onFailure: 'Abort', onCancel: 'Abort', inputs: { Service: 'ec2', Api: 'StopInstances' } },
      { name: 'ValidateRemediation', action: 'aws:assertAwsResourceProperty', ...common, inputs: { Service: 'ec2', Api: 'DescribeInstances' }, isEnd: true },
    ],
  };
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

  it.each<[string, () => Doc, RegExp]>([
    [
      'a document whose last step is not ValidateRemediation',
      () => {
        const doc = goodDocument();
        doc.mainSteps.pop();
        return doc;
      },
      /the last step is StopInstance; it must be ValidateRemediation/,
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
      () => withStep(goodDocument(), 'EligibilityCheck', (s) => delete s.isEnd),
      /step EligibilityCheck has no graceful way out/,
    ],
    [
      'a destructive step before the EligibilityCheck',
      () => {
        const doc = goodDocument();
        const [collect, check, stop, validate] = doc.mainSteps as [Doc['mainSteps'][0], Doc['mainSteps'][0], Doc['mainSteps'][0], Doc['mainSteps'][0]];
        doc.mainSteps = [collect, stop, check, validate];
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
  const referenced = new Set(
    runbooks.flatMap((rb) => [rb.action.ssm.document, ...rb.diagnostics.map((d) => d.ssm.document), ...(rb.rollback?.ssm ? [rb.rollback.ssm.document] : [])]),
  );
  const names = shipped.map((d) => d.name);

  it('ships a document for every document a runbook names, and no other', () => {
    expect([...referenced].sort()).toEqual([...names].sort());
  });

  it.each(runbooks.flatMap((rb) => [rb.action.ssm, ...rb.diagnostics.map((d) => d.ssm), ...(rb.rollback?.ssm ? [rb.rollback.ssm] : [])]))(
    'declares in $document every parameter the runbook passes to it',
    ({ document, parameters }) => {
      const doc = shipped.find((d) => d.name === document)?.doc as { parameters?: Record<string, unknown> } | undefined;
      expect(Object.keys(doc?.parameters ?? {})).toEqual(expect.arrayContaining(parameters));
    },
  );

  it('embeds every shipped document unchanged in the CloudFormation stack, running as the automation role', () => {
    const stack = parse(readFileSync(join(root, 'manifests', 'cloudformation', 'ssm-documents.yaml'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Name: string; Content: Doc } }>;
    };
    const embedded = Object.values(stack.Resources).filter((r) => r.Type === 'AWS::SSM::Document');
    expect(embedded.map((r) => r.Properties.Name).sort()).toEqual([...names].sort());
    for (const { name, doc } of shipped) {
      const expected = structuredClone(doc) as { parameters: { AutomationAssumeRole: { default: unknown } } };
      expected.parameters.AutomationAssumeRole.default = { Ref: 'AutomationRoleArn' };
      expect(embedded.find((r) => r.Properties.Name === name)?.Properties.Content, name).toEqual(expected);
    }
  });

  it('lets the bot start exactly the shipped documents', () => {
    const iam = readFileSync(join(root, 'manifests', 'cloudformation', 'iam.yaml'), 'utf8');
    const allowed = [...iam.matchAll(/automation-definition\/([A-Za-z0-9_.-]+):\$DEFAULT/g)].map((m) => m[1]);
    expect(allowed.sort()).toEqual([...names].sort());
  });
});
