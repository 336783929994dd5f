import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startFakeOidc } from '../fakes/fake-oidc.js';
import type { FakeOidc } from '../fakes/fake-oidc.js';
import { systemPeer } from '../fakes/system-peers.js';
import { startBot } from '../../src/main.js';
import type { RunningBot } from '../../src/main.js';
import { createDynamoStores } from '../../src/adapters/stores/index.js';
import { compareStreamPositions, streamEventId } from '../../src/core/audit-event-id.js';
import { SECRETS, TEST_DELIVERY, localBotEnv, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { ecsAlert } from './delivery-helpers.js';
import { startSharedStore } from './shared-store.js';
import type { SharedStore } from './shared-store.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;
const chromiumPeer = systemPeer('chromium');
const CHROMIUM = chromiumPeer.binary;

const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });

/** Whatever the page logs as an error (a CSP violation, a script error) fails the test at the end. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401|Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

describe.skipIf(chromiumPeer.skip)('the operator console in a real browser (Debian chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const streamRequests: Record<string, string>[] = [];

  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'));
    await h.settle();
    browser = await launch();
    page = await browser.newPage();
    errors = watchErrors(page);
    page.on('request', (req) => {
      if (req.url().endsWith('/api/events')) streamRequests.push(req.headers());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const rows = () => page.locator('#incidents tr').allTextContents();

  it('shows nothing without the operator token, and says why', async () => {
    await page.goto(`${h.bot.url}/console`);
    await expect.poll(() => page.textContent('#state')).toContain('401');
    expect(await page.locator('#incidents tr').count()).toBe(0);
  });

  it('signs in with the token and lists incidents with their proposed runbooks', async () => {
    await page.fill('#token', SECRETS.OPERATOR_TOKEN);
    await page.click('#connect');
    await expect.poll(rows).toHaveLength(2);
    expect(await page.textContent('#who')).toBe('Signed in as OPERATOR_TOKEN (EMERGENCY_OVERRIDE)');
    expect((await rows()).find((r) => r.startsWith('INC-1'))).toContain('ecs-force-new-deployment → ecs:prod-cluster/checkout-api: dry_run');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');
  });

  it.each([
    ['severity critical', { '#f-severity': 'critical' }, ['INC-2']],
    ['service checkout-api', { '#f-service': 'checkout-api' }, ['INC-1']],
    ['status resolved', { '#f-status': 'resolved' }, []],
    ['opened since a time to come', { '#f-since': '2099-01-01T00:00' }, []],
    ['opened since long ago', { '#f-since': '2000-01-01T00:00' }, ['INC-2', 'INC-1']],
  ])('filters by %s', async (_what, fields, expected) => {
    await page.selectOption('#f-status', '');
    await page.selectOption('#f-severity', '');
    await page.fill('#f-service', '');
    await page.fill('#f-since', '');
    for (const [selector, value] of Object.entries(fields)) {
      if (selector === '#f-status' || selector === '#f-severity') await page.selectOption(selector, value);
      else await page.fill(selector, value);
    }
    await page.click('#f-apply');
    await expect.poll(async () => (await rows()).map((r) => r.split(/\s/)[0]?.slice(0, 5))).toEqual(expected);
  });

  it('shows an incident page: its alerts, proposals with their plans, the timeline and the chain check', async () => {
    await page.click('#incidents a[href="#/incidents/INC-2"]');
    await expect.poll(() => page.textContent('#incident-title')).toMatch(/^INC-2 · open · critical · /);
    expect(await page.textContent('#incident-alerts')).toContain('EC2InstanceStatusCheckFailed');
    const proposals = await page.textContent('#incident-proposals');
    expect(proposals).toContain('ec2-stop-start-instance → ec2:i-0abc123def4567890');
    expect(proposals).toContain('"document": "ChatOps-EC2StopStartInstance"');
    expect(await page.textContent('#incident-timeline')).toContain('incident.opened');
    await expect.poll(() => page.textContent('#incident-chain')).toMatch(/^Audit chain intact \(\d+ records\)$/);
    expect(await page.isVisible('#list-view')).toBe(false);
    await page.click('a[href="#/"]');
    await expect.poll(() => page.isVisible('#list-view')).toBe(true);
  });

  it('engages and releases a kill switch for a caller allowed to', async () => {
    expect(await page.isVisible('#ks-form')).toBe(true);
    await page.fill('#ks-scope', 'service:web');
    await page.fill('#ks-reason', 'console test');
    await page.click('#ks-on');
    await expect.poll(() => page.textContent('#ks-result')).toBe('Kill switch service:web engaged');
    await expect.poll(() => page.textContent('#killswitches')).toContain('service:web');
    expect((await h.bot.deps.killSwitches.listEngaged()).map((s) => [s.scope, s.by])).toEqual([['service:web', 'operator-token']]);
    await page.click('#ks-off');
    await expect.poll(() => page.textContent('#ks-result')).toBe('Kill switch service:web released');
    await expect.poll(() => page.isVisible('#ks-none')).toBe(true);
  });

  it('shows each new audit step live', async () => {
    await h.postAlert('/alerts/alertmanager', await fixture('sg-firing.json'));
    await h.settle();
    await expect.poll(() => page.textContent('#events'), { timeout: 10_000 }).toContain('INC-3  incident.opened');
    await expect.poll(rows, { timeout: 10_000 }).toHaveLength(3);
  });

  it('says so when the bot does not answer, and keeps what it showed', async () => {
    const shown = await rows();
    expect(shown.length).toBeGreaterThan(0);
    await page.route('**/api/incidents?*', (route) => route.abort('connectionrefused'));
    try {
      await page.click('#f-apply');
      await expect.poll(() => page.textContent('#state')).toMatch(/^could not load the incidents: the bot did not answer \(.+\)$/);
      expect(await rows()).toEqual(shown);
    } finally {
      await page.unroute('**/api/incidents?*');
    }
    await page.click('#f-apply');
    await expect.poll(rows).toEqual(shown);
  });

  it('reconnects by itself when the bot restarts, sending Last-Event-ID, and goes on streaming', { timeout: 40_000 }, async () => {
    const before = streamRequests.length;
    await h.restart();
    await expect.poll(() => streamRequests.length, { timeout: 15_000 }).toBeGreaterThan(before);
    await expect.poll(() => page.textContent('#stream-state'), { timeout: 15_000 }).toBe('live');
    expect(streamRequests.at(-1)?.['last-event-id']).toMatch(/^(INC-\d+|CONTROLS):\d+@\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    await h.postAlert('/alerts/alertmanager', { ...((await fixture('ecs-firing.json')) as object), groupKey: '{}:{alertname="AfterRestart"}' });
    await h.settle();
    await expect.poll(() => page.textContent('#events'), { timeout: 10_000 }).toContain('INC-4  incident.opened');
  });

  it('ran under the CSP without a violation or a script error', () => {
    expect(errors).toEqual([]);
  });
});

describe.skipIf(chromiumPeer.skip)('the console on one of two replicas sharing a store', () => {
  let store: SharedStore;
  let h: Harness;
  let other: RunningBot;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const streamRequests: Record<string, string>[] = [];

  beforeAll(async () => {
    store = await startSharedStore();
    h = await startHarness({ DRY_RUN: 'true', ...store.env });
    other = await startBot({
      env: { ...localBotEnv(h.dataDir, h.slack.url, h.ssm.endpoint), ...store.env, DRY_RUN: 'true', LOG_LEVEL: 'silent', ...SECRETS },
      awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      scheduler: false,
      delivery: TEST_DELIVERY,
      shutdownGraceMs: 500,
    });
    browser = await launch();
    page = await browser.newPage();
    errors = watchErrors(page);
    page.on('request', (req) => {
      if (req.url().endsWith('/api/events')) streamRequests.push(req.headers());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await other?.close();
    await h?.close();
    await store?.close();
  });

  const postTo = (bot: RunningBot, payload: unknown) =>
    fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ALERT_WEBHOOK_TOKEN}` }, body: JSON.stringify(payload) });
  /** The ids the page lists, oldest first (it puts the newest on top). */
  const shownIds = async () => (await page.locator('#events li[data-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''))).reverse();
  /** Every record in the store, in stream order, as ids. */
  const storedIds = async () => (await createDynamoStores({ doc: store.doc, prefix: 'chatops-' }).audit.query({ n: 1000 })).sort(compareStreamPositions).map((r) => streamEventId(r));

  it('shows a record the other replica wrote', async () => {
    await page.goto(`${h.bot.url}/console`);
    await page.fill('#token', SECRETS.OPERATOR_TOKEN);
    await page.click('#connect');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');
    expect((await postTo(other, ecsAlert('cart'))).status).toBe(200);
    await other.settle();
    await expect.poll(() => page.textContent('#events'), { timeout: 10_000 }).toContain('INC-1  incident.opened');
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual(await storedIds());
  });

  it('resumes after its replica restarts with every record the other wrote meanwhile, each once, in order', { timeout: 60_000 }, async () => {
    const before = streamRequests.length;
    const restarting = h.restart();
    expect((await postTo(other, ecsAlert('search'))).status).toBe(200);
    await other.settle();
    await restarting;
    await expect.poll(() => streamRequests.length, { timeout: 20_000 }).toBeGreaterThan(before);
    await expect.poll(() => page.textContent('#stream-state'), { timeout: 20_000 }).toBe('live');
    expect(streamRequests.at(-1)?.['last-event-id']).toMatch(/^INC-1:\d+@/);
    expect((await postTo(other, ecsAlert('checkout'))).status).toBe(200);
    await other.settle();
    await expect.poll(() => page.textContent('#events'), { timeout: 10_000 }).toContain('INC-3  incident.opened');
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual(await storedIds());
    expect(errors).toEqual([]);
  });
});

describe.skipIf(chromiumPeer.skip)('console sign-in with OIDC (authorization code with PKCE) against a local issuer', () => {
  let h: Harness;
  let idp: FakeOidc;
  let browser: Browser;

  beforeAll(async () => {
    idp = await startFakeOidc('chatops-api');
    h = await startHarness({ DRY_RUN: 'true', OPERATOR_TOKEN: '', OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: 'chatops-api', OIDC_CLIENT_ID: 'chatops-console' });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await idp?.close();
  });

  async function signIn(subject: string, claims: Record<string, unknown>): Promise<{ page: Page; errors: string[] }> {
    idp.signInAs(subject, claims);
    const page = await (await browser.newContext()).newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.bot.url}/console`);
    await expect.poll(() => page.isVisible('#sso')).toBe(true);
    await page.click('#sso');
    await expect.poll(() => page.textContent('#who')).toMatch(/^Signed in as /);
    return { page, errors };
  }

  it('signs an on-call SRE in through the issuer and lets them engage a switch', async () => {
    const { page, errors } = await signIn('sre-7', { preferred_username: 'sam', roles: ['ON_CALL_SRE'] });
    expect(await page.textContent('#who')).toBe('Signed in as sam (ON_CALL_SRE)');
    // The code and state are gone from the address bar.
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');
    await page.fill('#ks-scope', 'global');
    await page.fill('#ks-reason', 'signed in with SSO');
    await page.click('#ks-on');
    await expect.poll(() => page.textContent('#ks-result')).toBe('Kill switch global engaged');
    expect((await h.bot.deps.killSwitches.listEngaged()).map((s) => [s.scope, s.by, s.authority])).toEqual([['global', 'oidc:sre-7', 'ON_CALL_SRE']]);
    expect(errors).toEqual([]);
  });

  it('shows a viewer the switches but no way to change them', async () => {
    const { page, errors } = await signIn('viewer-1', { preferred_username: 'vera' });
    expect(await page.textContent('#who')).toBe('Signed in as vera (read only)');
    await expect.poll(() => page.textContent('#killswitches')).toContain('global');
    expect(await page.isVisible('#ks-form')).toBe(false);
    expect(errors).toEqual([]);
  });
});
