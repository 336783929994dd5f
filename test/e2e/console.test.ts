import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { SECRETS, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const fixture = async (name: string) => JSON.parse(await readFile(`test/fixtures/alertmanager/${name}`, 'utf8')) as unknown;

describe('the operator console in a real browser (Debian chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await startHarness({ DRY_RUN: 'true' });
    await h.postAlert('/alerts/alertmanager', await fixture('ecs-firing.json'));
    await h.settle();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await h.close();
  });

  it('shows nothing without the operator token, and says why', async () => {
    await page.goto(`${h.bot.url}/console`);
    await expect.poll(() => page.textContent('#state')).toContain('401');
    expect(await page.locator('#incidents tr').count()).toBe(0);
  });

  it('lists the incident with its proposed runbook once connected with the token', async () => {
    await page.fill('#token', SECRETS.OPERATOR_TOKEN);
    await page.click('#connect');
    await expect.poll(() => page.textContent('#incidents')).toContain('INC-1');
    const row = await page.textContent('#incidents tr');
    expect(row).toContain('ecs-force-new-deployment → ecs:prod-cluster/checkout-api: dry_run');
    await expect.poll(() => page.textContent('#state')).toBe('live');
  });

  it('shows each new audit step live as it happens', async () => {
    await h.postAlert('/alerts/alertmanager', await fixture('ec2-firing.json'));
    await h.settle();
    await expect.poll(() => page.textContent('#events')).toContain('INC-2  incident.opened');
    await expect.poll(() => page.textContent('#incidents')).toContain('INC-2');
  });
});
