import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/config/load-catalogue.js';
import { resumeStalledProposals } from '../../src/services/resume-stalled.js';
import { runScheduledRunbooks } from '../../src/services/scheduled-runs.js';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Incident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startSharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

type IncidentList = { incidents: (Incident & { proposals: Proposal[] })[] };

const ECS = { document: 'ChatOps-ECSForceNewDeployment', rollback: 'ChatOps-ECSRollback', service: 'checkout-api' };
const EC2 = { document: 'ChatOps-EC2StopStartInstance', service: 'ec2' };
const ROTATION = { document: 'ChatOps-IAMRotateAccessKey', discovery: 'ChatOps-DiscoverNonProdAccessKeys', service: 'iam' };

/** Everything started after `close()` of a harness is torn down here, whatever the test did. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function harness(env: Record<string, string> = {}, sleepHook?: { current?: (ms: number) => Promise<void> }): Promise<Harness> {
  const h = await startHarness(env, {
    sleep: async (ms) => {
      await sleepHook?.current?.(ms);
      await new Promise((r) => setTimeout(r, 1));
    },
  });
  cleanups.push(() => h.close());
  return h;
}

async function allProposals(h: Harness): Promise<Proposal[]> {
  const { incidents } = await h.api<IncidentList>('/api/incidents');
  return incidents.flatMap((i) => i.proposals);
}

async function proposalFor(h: Harness, document: string): Promise<Proposal> {
  const found = (await allProposals(h)).find((p) => p.plan.action.document === document);
  if (!found) throw new Error(`no proposal for ${document}`);
  return found;
}

async function postAndSettle(h: Harness, name: string): Promise<void> {
  expect((await h.postAlert('/alerts/alertmanager', await fixture(name))).status).toBe(200);
  await h.settle();
}

/** Engages a switch the way an operator does: `/kill-switch on` from the on-call SRE. */
async function engageByCommand(h: Harness, scope: string): Promise<void> {
  const ack = await h.command('/kill-switch', `on ${scope} e2e guard test`, USERS.sre);
  expect(ack.text).toContain(`Kill switch \`${scope}\` is engaged`);
}

/** Engages a switch by writing it to the store, as another replica's `/kill-switch` would. */
async function engageInStore(h: Harness, scope: string): Promise<void> {
  await h.bot.deps.killSwitches.set({ scope, engaged: true, by: USERS.emergency, authority: 'EMERGENCY_OVERRIDE', at: new Date().toISOString(), reason: 'engaged between retries' });
}

interface Outcome {
  /** The bot the outcome is read from (the resumed replica for resume). */
  h: Harness;
  /** The proposal that must (not) run. */
  proposalId: string;
  document: string;
  /** StartAutomationExecution calls of `document` that SSM refused before the switch (throttled retries). */
  rejectedStarts?: number;
}

interface EntryPoint {
  name: string;
  /** The plan's service label, for the `service:<name>` scope. */
  service: string;
  /** The runbook's action_type, for the `action:<type>` scope (default restart). */
  actionType?: string;
  /** Drives the entry point; `scope` undefined means no switch engaged (the control run). */
  run(scope: string | undefined): Promise<Outcome>;
}

/**
 * Every way an action can be started. The source scan below fails when a new caller of the
 * execution services appears, so a new entry point has to be added here, and so be tested.
 */
const ENTRY_POINTS: EntryPoint[] = [
  {
    // The scheduled-runbooks job calls this with its tick: Sunday 01:00 UTC is the rotation's minute.
    name: 'scheduled run of a low-risk runbook (the scheduled-runbooks job)',
    service: ROTATION.service,
    actionType: 'key_rotation',
    async run(scope) {
      const h = await harness();
      h.ssm.script.setOutputs(ROTATION.discovery, { 'CollectDiagnostics.Targets': ['{"user_name":"ci-staging"}'] });
      if (scope) await engageByCommand(h, scope);
      await runScheduledRunbooks(h.bot.deps, new Date('2026-11-08T01:00:00Z'));
      await h.settle();
      return { h, proposalId: (await proposalFor(h, ROTATION.document)).id, document: ROTATION.document };
    },
  },
  {
    name: 'automatic run of a low-risk runbook',
    service: ECS.service,
    async run(scope) {
      const h = await harness();
      if (scope) await engageByCommand(h, scope);
      await postAndSettle(h, 'ecs-firing.json');
      return { h, proposalId: (await proposalFor(h, ECS.document)).id, document: ECS.document };
    },
  },
  {
    name: 'Approve click on a medium-risk proposal',
    service: EC2.service,
    async run(scope) {
      const h = await harness();
      await postAndSettle(h, 'ec2-firing.json');
      const p = await proposalFor(h, EC2.document);
      expect(p.status).toBe('pending_approval');
      if (scope) await engageByCommand(h, scope);
      expect((await h.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
      await h.settle();
      return { h, proposalId: p.id, document: EC2.document };
    },
  },
  {
    name: '/remediate confirmed with its Confirm button',
    service: ECS.service,
    async run(scope) {
      const h = await harness();
      if (scope) await engageByCommand(h, scope);
      const ack = await h.command('/remediate', 'ecs-force-new-deployment cluster=prod-cluster service=checkout-api', USERS.sre);
      const confirm = ack.blocks?.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.action_id === 'remediate_confirm');
      expect(confirm?.value).toBeTruthy();
      expect((await h.click('remediate_confirm', String(confirm.value), USERS.sre)).status).toBe(200);
      await h.settle();
      return { h, proposalId: (await proposalFor(h, ECS.document)).id, document: ECS.document };
    },
  },
  {
    name: 'retry: approving the rollback offered after a failed run',
    service: ECS.service,
    async run(scope) {
      const h = await harness();
      h.ssm.script.setStatuses(ECS.document, ['InProgress', 'Failed']);
      await postAndSettle(h, 'ecs-firing.json');
      const rollback = (await allProposals(h)).find((p) => p.rollbackOf !== undefined);
      expect(rollback).toMatchObject({ status: 'pending_approval', plan: { action: { document: ECS.rollback } } });
      if (scope) await engageByCommand(h, scope);
      expect((await h.click('approve_proposal', rollback!.id, USERS.operator)).status).toBe(200);
      await h.settle();
      return { h, proposalId: rollback!.id, document: ECS.rollback };
    },
  },
  {
    name: 'retry: a transient SSM error, with the switch engaged during the backoff',
    service: EC2.service,
    async run(scope) {
      const hook: { current?: (ms: number) => Promise<void> } = {};
      const h = await harness({}, hook);
      await postAndSettle(h, 'ec2-firing.json');
      const p = await proposalFor(h, EC2.document);
      h.ssm.script.failNext('StartAutomationExecution', 1, 'ThrottlingException');
      let engaged = false;
      hook.current = async () => {
        // The first wait after SSM throttled the action's start is the executor's retry backoff.
        const throttled = h.ssm.callsTo('StartAutomationExecution').some((c) => c.input.DocumentName === EC2.document);
        if (scope && throttled && !engaged) {
          engaged = true;
          await engageInStore(h, scope);
        }
      };
      expect((await h.click('approve_proposal', p.id, USERS.operator)).status).toBe(200);
      await h.settle();
      if (scope) expect(engaged, 'the switch was engaged during a retry wait').toBe(true);
      return { h, proposalId: p.id, document: EC2.document, rejectedStarts: 1 };
    },
  },
  ...(['running', 'approved'] as const).map(
    (stored): EntryPoint => ({
      name: `resume after a restart of a proposal stored as ${stored}`,
      service: EC2.service,
      async run(scope) {
        const store = await startSharedStore();
        cleanups.push(() => store.close());
        const before = await harness(store.env);
        await postAndSettle(before, 'ec2-firing.json');
        const p = await proposalFor(before, EC2.document);
        // The state a crash leaves behind: approved (guards not yet run) or running (SSM not yet called).
        const approvals = [{ userId: USERS.operator, authority: 'HUMAN_OPERATOR', at: new Date().toISOString(), planDigest: p.plan.digest }];
        const crashed = stored === 'running' ? { status: 'running' as const, approvals, startedAt: new Date().toISOString() } : { status: 'approved' as const, approvals };
        await before.bot.deps.proposals.update({ ...p, ...crashed });
        if (scope) await engageByCommand(before, scope);
        await cleanups.pop()?.(); // stop the first bot
        const after = await harness(store.env);
        await after.settle();
        return { h: after, proposalId: p.id, document: EC2.document };
      },
    }),
  ),
  {
    name: 'the in-flight job driving a proposal that stalled while running',
    service: EC2.service,
    async run(scope) {
      const h = await harness();
      await postAndSettle(h, 'ec2-firing.json');
      const p = await proposalFor(h, EC2.document);
      // Running for ten minutes without an execution: its process died before SSM was called.
      const approvals = [{ userId: USERS.operator, authority: 'HUMAN_OPERATOR', at: new Date().toISOString(), planDigest: p.plan.digest }];
      const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toISOString();
      await h.bot.deps.proposals.update({ ...p, status: 'running', approvals, startedAt: tenMinutesAgo, updatedAt: tenMinutesAgo });
      if (scope) await engageByCommand(h, scope);
      expect(await resumeStalledProposals(h.bot.deps)).toBe(1);
      await h.settle();
      return { h, proposalId: p.id, document: EC2.document };
    },
  },
];

const SCOPES: [kind: string, scopeOf: (entry: Pick<EntryPoint, 'service' | 'actionType'>) => string][] = [
  ['global', () => 'global'],
  ['service', (entry) => `service:${entry.service}`],
  ['action type', (entry) => `action:${entry.actionType ?? 'restart'}`],
];

async function audit(h: Harness, query: string): Promise<AuditRecord[]> {
  return (await h.api<{ records: AuditRecord[] }>(`/api/audit?${query}&n=1000`)).records;
}

describe.each(ENTRY_POINTS)('$name', (entry) => {
  it.each(SCOPES)('starts nothing while the %s kill switch is engaged, and audits the refusal naming the switch', async (_kind, scopeOf) => {
    const scope = scopeOf(entry);
    const { h, proposalId, document, rejectedStarts = 0 } = await entry.run(scope);
    expect(h.ssm.executions.filter((e) => e.documentName === document), `no ${document} execution`).toEqual([]);
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === document)).toHaveLength(rejectedStarts);
    const refusals = (await audit(h, 'kind=action.refused')).filter((r) => r.action === document);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ outcome: 'SKIPPED', details: { guard: 'kill_switch' } });
    expect(String(refusals[0]?.details?.reason)).toContain(`kill switch ${scope} is engaged`);
    expect((await audit(h, 'kind=action.started')).filter((r) => r.action === document)).toEqual([]);
    expect(await h.bot.deps.proposals.get(proposalId)).toMatchObject({ status: 'blocked', reason: expect.stringContaining(`kill switch ${scope}`) });
  });

  it('starts the action exactly once when no switch is engaged (the control run)', async () => {
    const { h, proposalId, document, rejectedStarts = 0 } = await entry.run(undefined);
    expect(h.ssm.executions.filter((e) => e.documentName === document)).toHaveLength(1);
    expect(h.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === document)).toHaveLength(rejectedStarts + 1);
    expect(await audit(h, 'kind=action.refused')).toEqual([]);
    expect(await h.bot.deps.proposals.get(proposalId)).toMatchObject({ executionId: expect.any(String) });
  });
});

/** Every .ts file under src/, as [path relative to the repo, text]. */
async function sources(): Promise<[string, string][]> {
  const files = (await readdir('src', { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => path.join('src', f));
  return Promise.all(files.map(async (f) => [f.split(path.sep).join('/'), await readFile(f, 'utf8')] as [string, string]));
}

function filesMatching(all: [string, string][], pattern: RegExp): string[] {
  return all.filter(([, text]) => pattern.test(text)).map(([file]) => file).sort();
}

describe('the guard chain cannot be bypassed (source scan)', () => {
  it('calls executor.start only from the guarded executor service and the read-only diagnostics', async () => {
    const all = await sources();
    // run-diagnostics starts the runbooks' CollectDiagnostics documents, and (for scheduled-runs)
    // their target discovery documents, which only read (runbooks:lint refuses one that changes state).
    const READ_ONLY = ['src/services/run-diagnostics.ts'];
    const GUARDED = ['src/services/execute-proposal.ts'];
    expect(filesMatching(all, /executor\s*\??\.\s*start\s*\(|\.start\s*\(\s*request\s*,\s*\{\s*beforeAttempt/)).toEqual([...GUARDED, ...READ_ONLY].sort());
    expect(filesMatching(all, /StartAutomationExecutionCommand/), 'only the SSM adapter builds the SDK command').toEqual(['src/adapters/executors/ssm-executor.ts']);
    expect(filesMatching(all, /(?<!function )createSsmExecutor\s*\(/), 'only the composition root builds an executor').toEqual(['src/main.ts']);
  });

  it('starts an action only from runExecution, with the kill switches re-read before every attempt', async () => {
    const text = await readFile('src/services/execute-proposal.ts', 'utf8');
    const starts = [...text.matchAll(/executor\.start\(([^)]*)\)/g)];
    expect(starts).toHaveLength(1);
    expect(starts[0]?.[1]).toContain('beforeAttempt');
    const runExecution = text.slice(text.indexOf('export async function runExecution'));
    expect(runExecution.indexOf('executor.start(')).toBeGreaterThan(0);
    expect(runExecution.indexOf("running.status !== 'running'")).toBeLessThan(runExecution.indexOf('executor.start('));
    expect(runExecution.slice(0, runExecution.indexOf('executor.start(')), 'beforeAttempt checks the switches').toMatch(/beforeAttempt = async \(\) => \{[\s\S]{0,400}?await checkKillSwitches\(deps, running\.plan\)/);
  });

  it("writes status 'running' in one place only: beginExecution, after the guard chain allowed it", async () => {
    const all = await sources();
    const RUNNING = /status\s*[:=]\s*['"`]running['"`]/g;
    const writes = all.flatMap(([file, text]) => [...text.matchAll(RUNNING)].map((m) => ({ file, index: m.index })));
    expect(writes.map((w) => w.file)).toEqual(['src/services/execute-proposal.ts']);
    const text = all.find(([f]) => f === 'src/services/execute-proposal.ts')![1];
    const begin = text.indexOf('export async function beginExecution');
    const end = text.indexOf('\n}\n', begin);
    const at = writes[0]!.index;
    expect(at).toBeGreaterThan(begin);
    expect(at).toBeLessThan(end);
    const body = text.slice(begin, at);
    const guard = body.indexOf('runGuardChain(');
    expect(guard, 'the guard chain runs before the running write').toBeGreaterThan(0);
    expect(body.slice(guard), 'a refusal returns before the running write').toMatch(/if \(!verdict\.allowed\) \{[^}]*return/);
  });

  it('has exactly the enumerated entry points calling the execution services or asking the workflow to run one', async () => {
    const all = await sources();
    const callers = filesMatching(all, /\b(beginExecution|runExecution|advanceProposal)\s*\(|\bworkflow\.(proposalReady|executionStarted)\s*\(/).filter((f) => f !== 'src/services/execute-proposal.ts' && f !== 'src/services/advance-proposal.ts');
    // Each file below is driven by one or more ENTRY_POINTS above; a new file here needs a new entry point.
    const COVERED: Record<string, string[]> = {
      'src/services/coordinator.ts': ['automatic run of a low-risk runbook', 'resume after a restart of a proposal stored as running', 'resume after a restart of a proposal stored as approved'],
      'src/services/process-incident.ts': ['automatic run of a low-risk runbook'],
      'src/services/decide-proposal.ts': ['Approve click on a medium-risk proposal', 'retry: approving the rollback offered after a failed run', 'retry: a transient SSM error, with the switch engaged during the backoff'],
      'src/services/remediate.ts': ['/remediate confirmed with its Confirm button'],
      'src/services/resume-work.ts': ['resume after a restart of a proposal stored as running', 'resume after a restart of a proposal stored as approved'],
      'src/services/resume-stalled.ts': ['the in-flight job driving a proposal that stalled while running'],
      'src/services/scheduled-runs.ts': ['scheduled run of a low-risk runbook (the scheduled-runbooks job)'],
    };
    expect(callers).toEqual(Object.keys(COVERED).sort());
    const names = new Set(ENTRY_POINTS.map((e) => e.name));
    for (const covered of Object.values(COVERED)) for (const name of covered) expect(names.has(name), name).toBe(true);
  });

  it('lists only read-only CollectDiagnostics documents as diagnostics in the runbook catalogue', async () => {
    const catalogue = await loadCatalogue('runbooks', 'runbooks/policy.yaml');
    const writers = new Set(catalogue.runbooks.flatMap((r) => [r.action.ssm.document, ...(r.rollback?.ssm ? [r.rollback.ssm.document] : [])]));
    for (const rb of catalogue.runbooks) {
      for (const d of rb.diagnostics) {
        if (!d.ssm) continue; // a PromQL query reads Prometheus only
        expect(d.ssm.document).toMatch(/^ChatOps-CollectDiagnostics-/);
        expect(writers.has(d.ssm.document)).toBe(false);
      }
    }
  });
});
