/**
 * Authoring rules for the SSM Automation documents under `runbooks/ssm/` (DESIGN §2.5). The caller
 * reads and parses the YAML; this only looks at the parsed value, so it stays pure.
 *
 * Rules:
 * - `schemaVersion: '0.3'` (a string: the Automation schema) and a non-empty `mainSteps` list;
 * - every step has a unique `name` and an `action`, and `maxAttempts: 3` and `timeoutSeconds: 300`;
 * - the first step is `CollectDiagnostics` and only reads;
 * - an `EligibilityCheck` step exists, runs before anything changes state, and has a graceful way
 *   out: `isEnd: true` (an `aws:branch` with no matching choice ends the run there), an
 *   `aws:branch` `Default`, or `onFailure: step:<name>`;
 * - the last step that does work is `ValidateRemediation`; in an action document (one with a step
 *   that changes state) only the three metric steps of `ssm-metric-rule.ts` follow it;
 * - `CollectDiagnostics` writes the captured state to S3 when `DiagnosticsBucket` is set
 *   (`ssm-diagnostics-rule.ts`);
 * - every step that changes state has `onFailure: Abort` and `onCancel: Abort`, so a failure or a
 *   cancel stops the run instead of carrying on against a half-changed resource;
 * - every `nextStep`, `step:<name>`, `NextStep` and `Default` names a step of the document;
 * - the document runs as `{{ AutomationAssumeRole }}`, declared with a default of '' (the bot
 *   starts the automation; the role is a deployment choice, not a runbook parameter).
 *
 * Which steps change state:
 * - `aws:executeAwsApi` whose `Api` does not start with Describe, Get or List;
 * - `aws:executeScript` whose script carries a line that is only the comment `# destructive`
 *   (our convention: the script author marks a script that changes anything);
 * - the actions that exist to change things (`STATE_CHANGING_ACTIONS`).
 * `aws:branch`, `aws:assertAwsResourceProperty`, `aws:waitForAwsResourceProperty`, `aws:sleep` and
 * unmarked scripts only read; the recording calls (`cloudwatch PutMetricData`, `securityhub
 * BatchImportFindings`, `sns Publish`) record what a run did and change nothing it acts on.
 * An action document is one with a step that changes state or records something besides its metric.
 */

import { diagnosticsBucketProblems } from './ssm-diagnostics-rule.js';
import { isMetricStep, metricProblems, recordingCall } from './ssm-metric-rule.js';

export const DESTRUCTIVE_SCRIPT_MARKER = /^[ \t]*#[ \t]*destructive[ \t]*$/im;

const READ_ONLY_API = /^(Describe|Get|List)/;

const STATE_CHANGING_ACTIONS = new Set([
  'aws:changeInstanceState',
  'aws:copyImage',
  'aws:createImage',
  'aws:createStack',
  'aws:createTags',
  'aws:deleteImage',
  'aws:deleteStack',
  'aws:executeAutomation',
  'aws:executeStateMachine',
  'aws:invokeLambdaFunction',
  'aws:runCommand',
  'aws:runInstances',
]);

const REQUIRED_MAX_ATTEMPTS = 3;
const REQUIRED_TIMEOUT_SECONDS = 300;

type Step = Record<string, unknown> & { name: string; action: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inputsOf(step: Step): Record<string, unknown> {
  return isRecord(step.inputs) ? step.inputs : {};
}

/** Why a step counts as changing state, or undefined when it only reads. */
export function stateChange(step: { action?: unknown; inputs?: unknown }): string | undefined {
  const inputs = isRecord(step.inputs) ? step.inputs : {};
  if (recordingCall(step)) return undefined;
  if (step.action === 'aws:executeAwsApi') {
    const api = typeof inputs.Api === 'string' ? inputs.Api : '';
    return READ_ONLY_API.test(api) ? undefined : `calls ${String(inputs.Service ?? '?')} ${api || '(no Api)'}`;
  }
  if (step.action === 'aws:executeScript') {
    const script = typeof inputs.Script === 'string' ? inputs.Script : '';
    return DESTRUCTIVE_SCRIPT_MARKER.test(script) ? 'runs a script marked # destructive' : undefined;
  }
  if (typeof step.action === 'string' && STATE_CHANGING_ACTIONS.has(step.action)) return `runs ${step.action}`;
  return undefined;
}

/** Step names a step may continue with: nextStep, onFailure/onCancel step:, branch choices. */
function referencedSteps(step: Step): { via: string; target: string }[] {
  const refs: { via: string; target: string }[] = [];
  if (typeof step.nextStep === 'string') refs.push({ via: 'nextStep', target: step.nextStep });
  for (const key of ['onFailure', 'onCancel'] as const) {
    const value = step[key];
    if (typeof value === 'string' && value.startsWith('step:')) refs.push({ via: key, target: value.slice('step:'.length) });
  }
  if (step.action === 'aws:branch') {
    const inputs = inputsOf(step);
    if (typeof inputs.Default === 'string') refs.push({ via: 'Default', target: inputs.Default });
    for (const choice of Array.isArray(inputs.Choices) ? inputs.Choices : []) {
      if (isRecord(choice) && typeof choice.NextStep === 'string') refs.push({ via: 'NextStep', target: choice.NextStep });
    }
  }
  return refs;
}

function hasGracefulExit(step: Step): boolean {
  if (step.isEnd === true) return true;
  if (typeof step.onFailure === 'string' && step.onFailure.startsWith('step:')) return true;
  return step.action === 'aws:branch' && typeof inputsOf(step).Default === 'string';
}

function checkAssumeRole(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (doc.assumeRole !== '{{ AutomationAssumeRole }}') problems.push("assumeRole must be '{{ AutomationAssumeRole }}'");
  const params = isRecord(doc.parameters) ? doc.parameters : {};
  const role = params.AutomationAssumeRole;
  if (!isRecord(role) || role.default !== '') problems.push("parameter AutomationAssumeRole must be declared with default: ''");
  return problems;
}

function checkStep(step: Step, index: number, eligibilityIndex: number): string[] {
  const problems: string[] = [];
  const at = `step ${step.name}`;
  if (step.maxAttempts !== REQUIRED_MAX_ATTEMPTS) problems.push(`${at}: maxAttempts must be ${REQUIRED_MAX_ATTEMPTS}, found ${String(step.maxAttempts ?? 'none')}`);
  if (step.timeoutSeconds !== REQUIRED_TIMEOUT_SECONDS) problems.push(`${at}: timeoutSeconds must be ${REQUIRED_TIMEOUT_SECONDS}, found ${String(step.timeoutSeconds ?? 'none')}`);
  const change = stateChange(step);
  if (change) {
    if (step.onFailure !== 'Abort') problems.push(`${at} changes state (${change}) so needs onFailure: Abort, found ${String(step.onFailure ?? 'none')}`);
    if (step.onCancel !== 'Abort') problems.push(`${at} changes state (${change}) so needs onCancel: Abort, found ${String(step.onCancel ?? 'none')}`);
    if (index === 0) problems.push(`${at} changes state (${change}); CollectDiagnostics must only read`);
    else if (eligibilityIndex >= 0 && index < eligibilityIndex) problems.push(`${at} changes state (${change}) before EligibilityCheck has run`);
  }
  return problems;
}

/**
 * Every way `doc` breaks the authoring rules, as sentences naming the document and the step.
 * An empty list means the document follows them.
 */
export function checkSsmDocument(name: string, doc: unknown): string[] {
  const problems = checkDocument(name, doc);
  return problems.map((p) => `${name}: ${p}`);
}

function checkDocument(name: string, doc: unknown): string[] {
  if (!isRecord(doc)) return ['the document is not a YAML mapping'];
  const problems: string[] = [];
  if (doc.schemaVersion !== '0.3') problems.push(`schemaVersion must be the string '0.3' (Automation), found ${JSON.stringify(doc.schemaVersion ?? null)}`);
  problems.push(...checkAssumeRole(doc));
  if (!Array.isArray(doc.mainSteps) || doc.mainSteps.length === 0) return [...problems, 'mainSteps must be a non-empty list of steps'];

  const steps: Step[] = [];
  doc.mainSteps.forEach((raw: unknown, i: number) => {
    if (isRecord(raw) && typeof raw.name === 'string' && typeof raw.action === 'string') steps.push(raw as Step);
    else problems.push(`mainSteps[${i}] needs a string name and action`);
  });
  if (steps.length !== doc.mainSteps.length) return problems;

  const names = new Set<string>();
  for (const step of steps) {
    if (names.has(step.name)) problems.push(`step name ${step.name} is used twice`);
    names.add(step.name);
  }

  const first = steps[0] as Step;
  const work = steps.filter((s) => !isMetricStep(s));
  const last = work[work.length - 1] ?? first;
  if (first.name !== 'CollectDiagnostics') problems.push(`the first step is ${first.name}; it must be CollectDiagnostics`);
  if (last.name !== 'ValidateRemediation') problems.push(`the last step is ${last.name}; it must be ValidateRemediation`);
  problems.push(...diagnosticsBucketProblems(name, doc, first.name === 'CollectDiagnostics' ? first : undefined));
  if (steps.some((s) => stateChange(s) || (recordingCall(s) && !isMetricStep(s)))) problems.push(...metricProblems(name, steps));

  const eligibilityIndex = steps.findIndex((s) => s.name === 'EligibilityCheck');
  const eligibility = steps[eligibilityIndex];
  if (!eligibility) problems.push('no EligibilityCheck step; add one that ends the run gracefully when the resource is not eligible');
  else if (!hasGracefulExit(eligibility)) {
    problems.push('step EligibilityCheck has no graceful way out: give it isEnd: true, an aws:branch Default, or onFailure: step:<name>');
  }

  steps.forEach((step, i) => problems.push(...checkStep(step, i, eligibilityIndex)));
  for (const step of steps) {
    for (const ref of referencedSteps(step)) {
      if (!names.has(ref.target)) problems.push(`step ${step.name}: ${ref.via} names ${ref.target}, which is not a step of this document`);
    }
  }
  return problems;
}
