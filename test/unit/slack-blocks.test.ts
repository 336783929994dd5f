import { describe, expect, it } from 'vitest';
import { newIncident } from '../../src/core/incident.js';
import type { Proposal } from '../../src/core/proposal.js';
import { rootMessage } from '../../src/adapters/slack/blocks/root-message.js';
import { proposalMessage } from '../../src/adapters/slack/blocks/proposal-message.js';

const HOSTILE = '<!channel> <https://evil.example|click me>';

const incident = newIncident(
  'INC-9',
  { source: 'generic', groupKey: 'g', fingerprint: 'f', name: `Disk ${HOSTILE}`, status: 'firing', severity: 'warning', summary: `summary ${HOSTILE}`, labels: {}, annotations: {}, startsAt: '2026-01-01T00:00:00Z' },
  new Date('2026-01-01T00:00:00Z'),
);

/** Everything Slack parses for mentions and links: mrkdwn texts and the notification fallback. */
function parsedTexts(message: { text: string; blocks: unknown[] }): string {
  const out: string[] = [message.text];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return out.join('\n');
}

function proposal(overrides: Partial<Proposal>): Proposal {
  return {
    id: 'p1',
    incidentId: 'INC-9',
    round: 0,
    plan: { runbookId: 'rb', runbookVersion: 1, title: `t ${HOSTILE}`, risk: 'medium', reversible: true, actionType: 'restart', service: 's', target: `x ${HOSTILE}`, action: { document: 'D', parameters: { Name: HOSTILE } }, diagnostics: [], digest: 'd' },
    status: 'failed',
    requestedBy: 'automated',
    context: { labels: {}, annotations: {} },
    approvalsRequired: 1,
    approvals: [],
    lastError: `SSM said ${HOSTILE}`,
    reason: `because ${HOSTILE}`,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
    ...overrides,
  };
}

describe('Slack messages never let alert or AWS text mention people or forge links', () => {
  it.each([
    ['root message with a failed proposal', () => rootMessage({ incident, proposals: [proposal({})] })],
    ['root message with a blocked proposal', () => rootMessage({ incident, proposals: [proposal({ status: 'blocked' })] })],
    ['proposal message', () => proposalMessage({ incident, proposals: [] }, proposal({ status: 'pending_approval' }), undefined)],
  ])('%s', (_label, build) => {
    const all = parsedTexts(build());
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://evil.example|');
    expect(all).toContain('&lt;!channel&gt;');
  });
});
