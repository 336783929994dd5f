/**
 * The captured-state rule for SSM documents (issue 12): every document's `CollectDiagnostics` step
 * writes what it captured to S3 when the document's `DiagnosticsBucket` parameter is set, so the
 * state before any change survives the execution's 30-day history and the incident thread.
 *
 * Checkable as written: the step is an `aws:executeScript` that receives the bucket, the execution
 * id and the document's own name in its InputPayload, defines `store_diagnostics` exactly as
 * below, calls it, and returns where it wrote as the output `DiagnosticsObject`.
 */

/** The function every CollectDiagnostics script carries, byte for byte (README "SSM documents"). */
export const STORE_DIAGNOSTICS_FUNCTION = `def store_diagnostics(events, state):
    # Writes the captured state to S3 only when the DiagnosticsBucket parameter is set.
    bucket = events.get('DiagnosticsBucket') or ''
    if not bucket:
        return ''
    key = 'chatops/diagnostics/%s/%s.json' % (events['ExecutionId'], events['DocumentName'])
    boto3.client('s3').put_object(
        Bucket=bucket, Key=key, Body=json.dumps(state, default=str).encode('utf-8'),
        ContentType='application/json', ServerSideEncryption='AES256')
    return 's3://%s/%s' % (bucket, key)`;

/** Where the objects go, under the bucket: iam.yaml grants s3:PutObject on exactly this prefix. */
export const DIAGNOSTICS_KEY_PREFIX = 'chatops/diagnostics/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every way `doc` (named `name`) breaks the captured-state rule. */
export function diagnosticsBucketProblems(name: string, doc: Record<string, unknown>, collect: Record<string, unknown> | undefined): string[] {
  const problems: string[] = [];
  const params = isRecord(doc.parameters) ? doc.parameters : {};
  const bucket = params.DiagnosticsBucket;
  if (!isRecord(bucket) || bucket.type !== 'String' || bucket.default !== '') {
    problems.push("parameter DiagnosticsBucket must be declared as type: String with default: '' (empty writes nothing)");
  }
  if (!collect) return problems;
  const at = 'step CollectDiagnostics';
  if (collect.action !== 'aws:executeScript') return [...problems, `${at} must be an aws:executeScript that can write the captured state to S3, found ${String(collect.action)}`];
  const inputs = isRecord(collect.inputs) ? collect.inputs : {};
  const payload = isRecord(inputs.InputPayload) ? inputs.InputPayload : {};
  const expected: Record<string, string> = { DiagnosticsBucket: '{{ DiagnosticsBucket }}', ExecutionId: '{{ automation:EXECUTION_ID }}', DocumentName: name };
  for (const [key, value] of Object.entries(expected)) {
    if (payload[key] !== value) problems.push(`${at}: InputPayload.${key} must be '${value}', found ${JSON.stringify(payload[key] ?? null)}`);
  }
  const script = typeof inputs.Script === 'string' ? inputs.Script : '';
  if (!script.includes(STORE_DIAGNOSTICS_FUNCTION)) problems.push(`${at}: the script must define store_diagnostics exactly as README "SSM documents" gives it`);
  if (!/^(?!def ).*\bstore_diagnostics\(events,/m.test(script)) problems.push(`${at}: the script must call store_diagnostics(events, <captured state>)`);
  const outputs = Array.isArray(collect.outputs) ? collect.outputs : [];
  const declared = outputs.some((o) => isRecord(o) && o.Name === 'DiagnosticsObject' && o.Selector === '$.Payload.DiagnosticsObject' && o.Type === 'String');
  if (!declared) problems.push(`${at}: must declare the output DiagnosticsObject (Selector '$.Payload.DiagnosticsObject', Type String)`);
  return problems;
}
