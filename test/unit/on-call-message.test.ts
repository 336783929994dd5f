import { describe, expect, it } from 'vitest';
import { onCallMessage, onCallSentence } from '../../src/adapters/slack/blocks/on-call.js';

describe('on-call as Slack shows it', () => {
  const list = [
    { name: 'Ana Ruiz', escalationPolicy: 'Platform', escalationLevel: 1, schedule: 'Platform Primary', slackUserId: 'U0ANARUIZ' },
    { name: 'Carol <Ops> Lee', escalationPolicy: 'Platform', escalationLevel: 3 },
    { name: 'Mallory', escalationPolicy: 'Platform', escalationLevel: 2, slackUserId: '<!channel>' },
  ];

  it('mentions people Slack knows, escapes names, and never builds a mention from a bad id', () => {
    const text = onCallMessage(list);
    expect(text).toContain('*Platform*');
    expect(text).toContain('• Level 1: <@U0ANARUIZ> (Ana Ruiz) · Platform Primary');
    expect(text).toContain('• Level 3: Carol &lt;Ops&gt; Lee');
    expect(text).toContain('• Level 2: Mallory');
    expect(text).not.toContain('<!channel>');
    expect(onCallSentence(list)).toBe('On call: <@U0ANARUIZ> (Ana Ruiz, level 1), Carol &lt;Ops&gt; Lee (level 3), Mallory (level 2)');
  });

  it('says plainly when nobody is known to be on call', () => {
    expect(onCallMessage([])).toMatch(/^PagerDuty names nobody on call right now/);
    expect(onCallSentence([])).toMatch(/^On call: not known/);
  });
});
