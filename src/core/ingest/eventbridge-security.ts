import { z } from 'zod';
import type { Alert } from '../alert.js';
import { eventAlert, parseDetail, severityFromScore } from './eventbridge-alert.js';
import type { EventEnvelope, Normalised } from './eventbridge-alert.js';
import type { ValidationFailure } from './validation-error.js';

const text = (max = 1024) => z.string().max(max);
const id = z.string().min(1).max(512);

/** "GuardDuty Finding": https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html */
const guardDutySchema = z.object({
  id,
  arn: text(2048).optional(),
  type: z.string().min(1).max(256),
  severity: z.number().min(0).max(10),
  title: text(4000).default(''),
  description: text(16_000).default(''),
  updatedAt: text(64).optional(),
  resource: z
    .object({
      resourceType: text(128).default(''),
      accessKeyDetails: z
        .object({ accessKeyId: text(128).optional(), principalId: text(256).optional(), userName: text(256).optional(), userType: text(64).optional() })
        .partial()
        .optional(),
      instanceDetails: z.object({ instanceId: text(64).optional() }).partial().optional(),
      s3BucketDetails: z.array(z.object({ name: text(255).optional(), arn: text(2048).optional() }).partial()).max(20).optional(),
    })
    .default({}),
  service: z.object({ archived: z.boolean().optional(), count: z.number().optional() }).partial().optional(),
});

export function parseGuardDutyFinding(event: EventEnvelope): Normalised | ValidationFailure {
  const parsed = parseDetail(event, guardDutySchema);
  if (!parsed.ok) return parsed;
  const f = parsed.detail;
  const key = f.resource.accessKeyDetails;
  const bucket = f.resource.s3BucketDetails?.[0];
  const resource = f.resource.instanceDetails?.instanceId ?? bucket?.arn ?? key?.userName ?? f.arn;
  const alert = eventAlert(event, {
    // GuardDuty updates a repeated finding in place, same id, so the id is the problem.
    identity: { account: event.account, region: event.region, guardDutyFinding: f.id },
    name: 'GuardDutyFinding',
    // Archiving a finding is GuardDuty's "dealt with".
    status: f.service?.archived ? 'resolved' : 'firing',
    severity: severityFromScore(f.severity),
    summary: f.title || f.type,
    description: f.description,
    ...(resource ? { resource } : {}),
    labels: {
      finding_type: f.type,
      finding_id: f.id,
      finding_arn: f.arn,
      severity_score: f.severity,
      resource_type: f.resource.resourceType,
      resource_arn: bucket?.arn ?? f.arn,
      access_key_id: key?.accessKeyId,
      principal_id: key?.principalId,
      principal_type: key?.userType,
      principal_name: key?.userName,
      instance_id: f.resource.instanceDetails?.instanceId,
      bucket_name: bucket?.name,
    },
  });
  return { ok: true, alerts: [alert] };
}

/** "Config Rules Compliance Change": https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html */
const configSchema = z.object({
  configRuleName: z.string().min(1).max(128),
  configRuleARN: text(2048).optional(),
  resourceId: z.string().min(1).max(768),
  resourceType: z.string().min(1).max(256),
  awsRegion: text(64).optional(),
  newEvaluationResult: z.object({
    complianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']),
    annotation: text(4000).optional(),
    resultRecordedTime: text(64).optional(),
  }),
});

export function parseConfigCompliance(event: EventEnvelope): Normalised | ValidationFailure {
  const parsed = parseDetail(event, configSchema);
  if (!parsed.ok) return parsed;
  const d = parsed.detail;
  const compliance = d.newEvaluationResult.complianceType;
  // Neither says the resource is fine or broken: nothing to open or close.
  if (compliance === 'NOT_APPLICABLE' || compliance === 'INSUFFICIENT_DATA') return { ok: true, alerts: [], ignored: `${d.configRuleName} reports ${compliance} for ${d.resourceId}` };
  const alert = eventAlert(event, {
    identity: { account: event.account, region: event.region, configRule: d.configRuleName, resourceType: d.resourceType, resourceId: d.resourceId },
    name: 'ConfigRuleNonCompliant',
    status: compliance === 'COMPLIANT' ? 'resolved' : 'firing',
    severity: 'warning',
    summary: `Config rule ${d.configRuleName}: ${d.resourceType} ${d.resourceId} is ${compliance}`,
    ...(d.newEvaluationResult.annotation ? { description: d.newEvaluationResult.annotation } : {}),
    resource: d.resourceId,
    labels: {
      config_rule_name: d.configRuleName,
      config_rule_arn: d.configRuleARN,
      resource_type: d.resourceType,
      resource_id: d.resourceId,
      compliance_type: compliance,
    },
  });
  return { ok: true, alerts: [alert] };
}

/** One ASFF finding: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html */
const findingSchema = z.object({
  Id: id,
  GeneratorId: text(512).default(''),
  ProductName: text(128).optional(),
  AwsAccountId: z.string().regex(/^\d{12}$/).optional(),
  Region: text(64).optional(),
  Types: z.array(text(256)).max(50).default([]),
  Title: text(4000).default(''),
  Description: text(16_000).default(''),
  Severity: z.object({ Label: z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(), Normalized: z.number().optional() }).default({}),
  Resources: z.array(z.object({ Type: text(256), Id: text(2048) })).max(32).default([]),
  Compliance: z.object({ Status: text(64).optional(), SecurityControlId: text(64).optional() }).partial().optional(),
  ProductFields: z.record(z.string()).optional(),
  Workflow: z.object({ Status: text(32).optional() }).partial().optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
  UpdatedAt: text(64).optional(),
});

const securityHubSchema = z.object({ findings: z.array(findingSchema).min(1).max(100) });

/** The name an ARN ends with: `…:security-group/sg-1` → `sg-1`, `arn:aws:s3:::bucket` → `bucket`, `…:user/path/alice` → `alice`. */
export function resourceName(arnOrId: string): string {
  if (!arnOrId.startsWith('arn:')) return arnOrId;
  const resource = arnOrId.split(':').slice(5).join(':');
  return resource.split('/').pop() ?? resource;
}

const SECURITY_HUB_SEVERITY: Record<string, string> = { INFORMATIONAL: 'info', LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' };

export function parseSecurityHubFindings(event: EventEnvelope): Normalised | ValidationFailure {
  const parsed = parseDetail(event, securityHubSchema);
  if (!parsed.ok) return parsed;
  const alerts: Alert[] = parsed.detail.findings.map((f) => {
    const resource = f.Resources[0];
    const workflow = f.Workflow?.Status;
    // Resolved when someone closed it (workflow RESOLVED) or the product withdrew it (ARCHIVED).
    const resolved = workflow === 'RESOLVED' || f.RecordState === 'ARCHIVED';
    const controlId = f.Compliance?.SecurityControlId ?? f.ProductFields?.ControlId;
    return eventAlert(event, {
      identity: { securityHubFinding: f.Id },
      name: 'SecurityHubFinding',
      status: resolved ? 'resolved' : 'firing',
      severity: SECURITY_HUB_SEVERITY[f.Severity.Label ?? ''] ?? (f.Severity.Normalized !== undefined ? severityFromScore(f.Severity.Normalized / 10) : 'warning'),
      summary: f.Title || f.GeneratorId || f.Id,
      description: f.Description,
      ...(resource ? { resource: resource.Id } : {}),
      labels: {
        finding_id: f.Id,
        finding_type: f.Types[0],
        generator_id: f.GeneratorId,
        control_id: controlId,
        product_name: f.ProductName,
        compliance_status: f.Compliance?.Status,
        workflow_status: workflow,
        resource_type: resource?.Type,
        resource_id: resource?.Id,
        resource_arn: resource?.Id.startsWith('arn:') ? resource.Id : undefined,
        resource_name: resource ? resourceName(resource.Id) : undefined,
        ...(f.AwsAccountId ? { account: f.AwsAccountId } : {}),
      },
    });
  });
  return { ok: true, alerts };
}
