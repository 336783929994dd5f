import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInGroup } from '../fakes/process-group.js';

interface TryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run runbooks:try -- <args>` as a process: node with tsx's loader, as the tsx command runs it
 * (npm would only add its banner, the tsx command a second node process).
 */
async function tryRunbooks(args: string[], env: Record<string, string> = {}): Promise<TryResult> {
  const { code, signal, stdout, stderr } = await runInGroup(process.execPath, ['--import', 'tsx', 'src/cli/runbooks-try.ts', ...args], { env: { ...process.env, ...env } });
  if (code === null) throw new Error(`runbooks:try ended by ${String(signal)}: ${stderr}`);
  return { code, stdout, stderr };
}

describe('npm run runbooks:try', () => {
  it.each<[string, string, string, Record<string, unknown>]>([
    ['an Alertmanager payload', 'test/fixtures/alertmanager/ecs-firing.json', 'alertmanager', { id: 'ecs-force-new-deployment', ok: true, approvals: 0, plan: { target: 'ecs:prod-cluster/checkout-api', action: { document: 'ChatOps-ECSForceNewDeployment', parameters: { Cluster: 'prod-cluster', Service: 'checkout-api' } }, cooldownMs: 900_000 } }],
    ['a CloudWatch alarm through SNS', 'test/fixtures/cloudwatch/sns-alarm-notification.json', 'cloudwatch-sns', { id: 'ec2-stop-start-instance', ok: true, approvals: 1, approvers: ['ON_CALL_SRE', 'HUMAN_OPERATOR'] }],
    ['a CloudWatch alarm through EventBridge', 'test/fixtures/catalogue/ec2-cpu-alarm.json', 'cloudwatch-eventbridge', { id: 'asg-scale-out', ok: true, plan: { action: { parameters: { InstanceId: 'i-0abc123def4567890', Increment: '1' } } } }],
    ['an EventBridge event', 'test/fixtures/eventbridge/cloudtrail-stop-logging.json', 'eventbridge', { id: 'cloudtrail-restart-logging', ok: true, approvals: 2, plan: { risk: 'high', reversible: false } }],
    ['a generic alert', 'test/fixtures/generic/valid.json', 'generic', {}],
  ])('evaluates %s, exits 0 and calls nothing', async (_label, file, kind, expected) => {
    const result = await tryRunbooks([file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { kind: string; alerts: { runbooks: Record<string, unknown>[] }[] };
    expect(out.kind).toBe(kind);
    const runbooks = out.alerts.flatMap((a) => a.runbooks);
    if (Object.keys(expected).length > 0) {
      expect(runbooks).toHaveLength(1);
      expect(runbooks[0]).toMatchObject(expected);
    }
  });

  it('prints the rendered plan for a person by default', async () => {
    const result = await tryRunbooks(['test/fixtures/eventbridge/guardduty-iam-user-high.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('EventBridge event, 1 alert(s), 1 matching runbook(s)');
    expect(result.stdout).toContain('Nothing was called.');
    expect(result.stdout).toMatch(/✓ iam-quarantine-principal v1/);
    expect(result.stdout).toMatch(/target +iam:IAMUser\/ci-deployer/);
    expect(result.stdout).toMatch(/approvals +1 from ON_CALL_SRE or HUMAN_OPERATOR/);
    expect(result.stdout).toMatch(/action +ChatOps-IAMQuarantinePrincipal PrincipalType=IAMUser PrincipalName=ci-deployer/);
    expect(result.stdout).toMatch(/cooldown +1h/);
  });

  it('names the parameter that fails its pattern, and still exits 0', async () => {
    const result = await tryRunbooks(['test/fixtures/alertmanager/bad-param.json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✗ ecs-force-new-deployment v1 matches, but no plan: parameter \w+ rendered to .* \(parameter \w+\); nothing would run/);
  });

  it('says so when an event changed nothing', async () => {
    const result = await tryRunbooks(['test/fixtures/eventbridge/cloudtrail-stop-logging-denied.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/note: ignored: StopLogging failed \(AccessDenied\)/);
  });

  it.each<[string, string[], number, RegExp]>([
    ['no file', [], 64, /usage: npm run runbooks:try -- <alert.json>/],
    ['a missing file', ['test/fixtures/nowhere.json'], 66, /cannot read test\/fixtures\/nowhere\.json/],
    ['a file that is not JSON', ['test/fixtures/alertmanager/not-json.txt'], 65, /is not JSON/],
    ['a malformed payload, naming the field', ['test/fixtures/eventbridge/malformed-bad-account.json'], 65, /\(read as EventBridge event\): account: expected a 12-digit AWS account id/],
    ['JSON no sender would send', ['package.json'], 65, /not a payload the bot takes/],
  ])('refuses %s with a non-zero exit and a message naming the problem', async (_label, args, code, message) => {
    const result = await tryRunbooks(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('refuses to evaluate against an invalid catalogue (exit 78, as at start-up)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chatops-try-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'id: Not_Valid\n');
      await writeFile(join(dir, 'policy.yaml'), 'authorities: {}\n');
      const result = await tryRunbooks(['test/fixtures/alertmanager/ecs-firing.json'], { RUNBOOKS_DIR: dir });
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/the runbook catalogue is invalid/);
      expect(result.stderr).toContain('broken.yaml');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
