import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import type { Proposal } from '../../src/core/proposal.js';
import { CHANNEL, USERS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

/** The issue asks for changes to be picked up within 10 s. */
const WITHIN_MS = 10_000;

async function until<T>(find: () => Promise<T | undefined>, what: string, timeoutMs = WITHIN_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('live catalogue changes', () => {
  let dir: string;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(options: { watch?: boolean } = {}) {
    dir = await mkdtemp(path.join(tmpdir(), 'runbooks-live-'));
    await cp('runbooks', dir, { recursive: true });
    h = await startHarness({ RUNBOOKS_DIR: dir, POLICY_FILE: path.join(dir, 'policy.yaml') }, { catalogueWatch: options.watch === false ? false : { pollMs: 500 } });
    return h;
  }
  const controls = async (hh: Harness, kind: string) => (await hh.api<{ records: AuditRecord[] }>(`/api/audit?incident=CONTROLS&kind=${kind}`)).records;
  const edit = async (file: string, change: (text: string) => string) => writeFile(path.join(dir, file), change(await readFile(path.join(dir, file), 'utf8')));
  const announcements = (hh: Harness) => hh.slack.messages(CHANNEL).filter((m) => !m.thread_ts).map((m) => JSON.stringify(m.blocks));

  it('puts a valid change in force within 10 s, audits what was added and changed, and announces it', async () => {
    const hh = await start();
    const before = hh.bot.deps.catalogue.runbooks.length;
    await edit('ec2-stop-start-instance.yaml', (t) => t.replace(/^version: 1$/m, 'version: 2').replace(/^cooldown: .*$/m, 'cooldown: 45m'));
    await writeFile(path.join(dir, 'ec2-reboot-instance.yaml'), (await readFile(path.join(dir, 'ec2-start-instance.yaml'), 'utf8')).replace(/^id: .*$/m, 'id: ec2-reboot-instance'));

    const [loaded] = await until(async () => ((await controls(hh, 'catalogue.loaded')).length > 0 ? controls(hh, 'catalogue.loaded') : undefined), 'catalogue.loaded');
    expect(loaded).toMatchObject({
      outcome: 'SUCCESS',
      trigger: expect.stringMatching(/^(watch|poll)$/),
      details: { runbooks: before + 1, added: [{ id: 'ec2-reboot-instance', version: 1 }], changed: [{ id: 'ec2-stop-start-instance', from: 1, to: 2 }], removed: [], policyChanged: false },
    });
    expect(hh.bot.deps.catalogue.byId.get('ec2-stop-start-instance')?.cooldown).toBe(45 * 60_000);
    expect(hh.bot.deps.catalogue.byId.has('ec2-reboot-instance')).toBe(true);
    await hh.settle();
    const said = announcements(hh).find((b) => b.includes('Runbook catalogue reloaded'));
    expect(said).toContain('ec2-reboot-instance');
    expect(said).toContain('v1 → v2');

    // What new alerts get is the new runbook.
    expect((await hh.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await hh.settle();
    const { proposals } = await hh.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]?.plan).toMatchObject({ runbookId: 'ec2-stop-start-instance', runbookVersion: 2, cooldownMs: 45 * 60_000 });
  }, 30_000);

  it('refuses an invalid change whole, with every problem, and keeps the catalogue in force working', async () => {
    const hh = await start();
    const before = hh.bot.deps.catalogue.runbooks.length;
    await edit('ecs-force-new-deployment.yaml', (t) => t.replace(/^risk: low$/m, 'risk: extreme'));
    await edit('policy.yaml', (t) => t.replace('engage:  [ON_CALL_SRE', 'engage:  [NOBODY_AT_ALL'));
    // A valid edit in the same change is not taken either: the change is refused whole.
    await edit('ec2-stop-start-instance.yaml', (t) => t.replace(/^version: 1$/m, 'version: 7'));

    const [rejected] = await until(async () => {
      const r = await controls(hh, 'catalogue.rejected');
      return r.length > 0 && String(r.at(-1)?.details?.problems).includes('NOBODY_AT_ALL') ? r : undefined;
    }, 'catalogue.rejected naming both problems');
    const problems = (rejected?.details?.problems as string[]).join('\n');
    expect(problems).toMatch(/ecs-force-new-deployment\.yaml: risk/);
    expect(problems).toMatch(/unknown authority NOBODY_AT_ALL/);
    expect(rejected).toMatchObject({ outcome: 'FAILURE', details: { runbooks: before } });
    expect(await controls(hh, 'catalogue.loaded')).toEqual([]);
    expect(hh.bot.deps.catalogue.byId.get('ec2-stop-start-instance')?.version).toBe(1);
    await hh.settle();
    expect(announcements(hh).find((b) => b.includes('Runbook catalogue change refused'))).toContain('NOBODY_AT_ALL');

    // The catalogue in force still proposes, with the old runbooks.
    expect((await hh.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'))).status).toBe(200);
    await hh.settle();
    const { proposals } = await hh.api<{ proposals: Proposal[] }>('/api/incidents/INC-1');
    expect(proposals[0]?.plan).toMatchObject({ runbookId: 'ecs-force-new-deployment', risk: 'low' });

    // Fixed, it goes in: one change, one record, and no further refusal.
    const refusals = (await controls(hh, 'catalogue.rejected')).length;
    await edit('ecs-force-new-deployment.yaml', (t) => t.replace(/^risk: extreme$/m, 'risk: low'));
    await edit('policy.yaml', (t) => t.replace('engage:  [NOBODY_AT_ALL', 'engage:  [ON_CALL_SRE'));
    const [loaded] = await until(async () => ((await controls(hh, 'catalogue.loaded')).length > 0 ? controls(hh, 'catalogue.loaded') : undefined), 'catalogue.loaded after the fix');
    expect(loaded?.details).toMatchObject({ changed: [{ id: 'ec2-stop-start-instance', from: 1, to: 7 }] });
    expect(await controls(hh, 'catalogue.rejected')).toHaveLength(refusals);
  }, 40_000);

  it('keeps the plan digest of a proposal awaiting approval; a runbook changed meanwhile needs approving again', async () => {
    const hh = await start({ watch: false });
    expect((await hh.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'))).status).toBe(200);
    await hh.settle();
    const [waiting] = (await hh.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals;
    expect(waiting).toMatchObject({ status: 'pending_approval', plan: { runbookVersion: 1 } });

    await edit('ec2-stop-start-instance.yaml', (t) => t.replace(/^version: 1$/m, 'version: 2'));
    expect(await hh.bot.reloadCatalogue('sighup')).toMatchObject({ kind: 'loaded' });
    const [kept] = (await hh.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals;
    expect(kept?.plan.digest).toBe(waiting?.plan.digest);
    expect(kept?.plan.runbookVersion).toBe(1);

    // The approval was given for version 1's plan: it does not run version 2's.
    expect((await hh.click('approve_proposal', waiting!.id, USERS.sre)).status).toBe(200);
    await hh.settle();
    const [again] = (await hh.api<{ proposals: Proposal[] }>('/api/incidents/INC-1')).proposals;
    expect(again).toMatchObject({ status: 'pending_approval', plan: { runbookVersion: 2 } });
    expect(again?.plan.digest).not.toBe(waiting?.plan.digest);
    const { records } = await hh.api<{ records: AuditRecord[] }>('/api/audit?incident=INC-1&kind=approval.invalidated');
    expect(records).toEqual([expect.objectContaining({ details: expect.objectContaining({ previousVersion: 1, version: 2 }) })]);
    expect(hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EC2StopStartInstance')).toEqual([]);

    // Approved again, for the plan now shown, it runs.
    expect((await hh.click('approve_proposal', waiting!.id, USERS.sre)).status).toBe(200);
    await hh.settle();
    expect(hh.ssm.callsTo('StartAutomationExecution').filter((c) => c.input.DocumentName === 'ChatOps-EC2StopStartInstance')).toHaveLength(1);
  }, 30_000);

  it('reloads on SIGHUP in a bot process started as npm start does', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'runbooks-sighup-'));
    await cp('runbooks', dir, { recursive: true });
    const data = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: data, RUNBOOKS_DIR: dir, POLICY_FILE: path.join(dir, 'policy.yaml'), LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await until(async () => {
        const line = output.split('\n').find((l) => l.includes('chatops bot listening'));
        return line ? (JSON.parse(line) as { url: string }).url : undefined;
      }, 'the bot listening', 60_000);
      const rejected = async () => ((await (await fetch(`${url}/api/audit?incident=CONTROLS&kind=catalogue.rejected`)).json()) as { records: AuditRecord[] }).records;
      await edit('ecs-force-new-deployment.yaml', (t) => t.replace(/^risk: low$/m, 'risk: extreme'));
      await until(async () => ((await rejected()).length === 1 ? true : undefined), 'the watcher refusing the broken file');
      // The same problems again are not recorded again, unless someone asks with SIGHUP.
      child.kill('SIGHUP');
      const records = await until(async () => {
        const r = await rejected();
        return r.length === 2 ? r : undefined;
      }, `a second catalogue.rejected after SIGHUP:\n${output}`);
      expect(records[1]).toMatchObject({ trigger: 'sighup' });
      expect(child.exitCode).toBeNull();
      expect(output).toContain('SIGHUP: reloading the runbook catalogue');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});
