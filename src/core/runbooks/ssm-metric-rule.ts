/**
 * The metric rule for SSM action documents (issue 12): every run that gets past its first step
 * ends by counting itself in CloudWatch, metric `RemediationExecuted` in namespace
 * `AIOps/Automation`, dimensions `runbook` (the document's name) and `outcome`.
 *
 * Checkable shape: three steps end the document, after `ValidateRemediation` and nothing else:
 * - `EmitSuccessMetric` (outcome `success`): ValidateRemediation's `nextStep`;
 * - `EmitFailureMetric` (outcome `failure`): ValidateRemediation's `onFailure: step:…`. The
 *   validation failure still fails the run: a step is critical unless it says otherwise, and
 *   Automation reports a failed critical step as a failed execution whatever its onFailure;
 * - `EmitSkippedMetric` (outcome `skipped`): the EligibilityCheck branch's `Default`, the graceful
 *   exit when the resource is not eligible.
 * Each is one `cloudwatch PutMetricData` with `isEnd: true`, `isCritical: false` and
 * `onFailure: Continue`: a metric that cannot be written never turns a remediation into a failure.
 * A step that changes state still aborts on failure (the bot records that failure itself).
 */

export const METRIC_NAMESPACE = 'AIOps/Automation';
export const METRIC_NAME = 'RemediationExecuted';

export const METRIC_STEPS = { EmitSuccessMetric: 'success', EmitFailureMetric: 'failure', EmitSkippedMetric: 'skipped' } as const;
type MetricStepName = keyof typeof METRIC_STEPS;

type Step = Record<string, unknown> & { name: string; action: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `cloudwatch PutMetricData` call: it records, and changes nothing a runbook acts on. */
export function isMetricStep(step: { action?: unknown; inputs?: unknown }): boolean {
  return recordingCall(step) === 'cloudwatch PutMetricData';
}

/**
 * Calls that record what a run did (a metric, a Security Hub finding, a notification) rather than
 * change the resource it acts on. They need not abort on failure: an account without Security
 * Hub, say, must not turn a revoke that worked into a failure whose rollback re-opens the hole.
 */
const RECORDING_CALLS = new Set(['cloudwatch PutMetricData', 'securityhub BatchImportFindings', 'sns Publish']);

export function recordingCall(step: { action?: unknown; inputs?: unknown }): string | undefined {
  const inputs = isRecord(step.inputs) ? step.inputs : {};
  if (step.action !== 'aws:executeAwsApi') return undefined;
  const call = `${String(inputs.Service)} ${String(inputs.Api)}`;
  return RECORDING_CALLS.has(call) ? call : undefined;
}

function metricStepProblems(documentName: string, step: Step, outcome: string): string[] {
  const at = `step ${step.name}`;
  const problems: string[] = [];
  if (!isMetricStep(step)) return [`${at} must be an aws:executeAwsApi calling cloudwatch PutMetricData`];
  const inputs = step.inputs as Record<string, unknown>;
  if (inputs.Namespace !== METRIC_NAMESPACE) problems.push(`${at}: Namespace must be ${METRIC_NAMESPACE}`);
  const data = Array.isArray(inputs.MetricData) ? inputs.MetricData : [];
  const datum = data.length === 1 && isRecord(data[0]) ? data[0] : undefined;
  const dimensions = JSON.stringify(datum?.Dimensions ?? null);
  const expected = JSON.stringify([
    { Name: 'runbook', Value: documentName },
    { Name: 'outcome', Value: outcome },
  ]);
  if (!datum || datum.MetricName !== METRIC_NAME || datum.Value !== 1 || datum.Unit !== 'Count' || dimensions !== expected) {
    problems.push(`${at}: MetricData must be one datum: MetricName ${METRIC_NAME}, Value 1, Unit Count, Dimensions runbook=${documentName} and outcome=${outcome}, in that order`);
  }
  if (step.isEnd !== true) problems.push(`${at} must have isEnd: true`);
  if (step.isCritical !== false || step.onFailure !== 'Continue') problems.push(`${at} must have isCritical: false and onFailure: Continue, so a metric that cannot be written fails nothing`);
  return problems;
}

/** Every way an action document (one that changes state) breaks the metric rule. */
export function metricProblems(documentName: string, steps: readonly Step[]): string[] {
  const problems: string[] = [];
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const [name, outcome] of Object.entries(METRIC_STEPS) as [MetricStepName, string][]) {
    const step = byName.get(name);
    if (!step) problems.push(`no ${name} step: an action document ends by emitting ${METRIC_NAME} (outcome ${outcome})`);
    else problems.push(...metricStepProblems(documentName, step, outcome));
  }
  const validate = steps.findIndex((s) => s.name === 'ValidateRemediation');
  const after = steps.slice(validate + 1).map((s) => s.name);
  if (validate >= 0 && (after.length !== 3 || !after.every((n) => n in METRIC_STEPS))) {
    problems.push(`only the three metric steps may follow ValidateRemediation, found ${after.join(', ') || 'none'}`);
  }
  const validation = byName.get('ValidateRemediation');
  if (validation && validation.nextStep !== 'EmitSuccessMetric') problems.push('step ValidateRemediation must have nextStep: EmitSuccessMetric');
  if (validation && validation.onFailure !== 'step:EmitFailureMetric') problems.push('step ValidateRemediation must have onFailure: step:EmitFailureMetric');
  const eligibility = byName.get('EligibilityCheck');
  const defaultStep = eligibility && isRecord(eligibility.inputs) ? eligibility.inputs.Default : undefined;
  if (eligibility && (eligibility.action !== 'aws:branch' || defaultStep !== 'EmitSkippedMetric')) {
    problems.push('step EligibilityCheck must be an aws:branch whose Default is EmitSkippedMetric, so a run that is not eligible is counted as skipped');
  }
  return problems;
}
