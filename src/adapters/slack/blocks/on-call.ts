import type { OnCall } from '../../../services/pager.js';
import { escapeMrkdwn, SECTION_LIMIT, truncate } from './text.js';

/** Slack user ids as Slack issues them; anything else is not put inside a mention. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * A mention where the Slack user is known (it notifies them) followed by the PagerDuty name,
 * otherwise the name alone; `extras` go in the brackets: "<@U…> (Ana Ruiz, level 1)".
 */
export function onCallPerson(o: Pick<OnCall, 'name' | 'slackUserId'>, extras: string[] = []): string {
  const name = escapeMrkdwn(o.name);
  if (o.slackUserId && SLACK_USER_ID.test(o.slackUserId)) return `<@${o.slackUserId}> (${[name, ...extras].join(', ')})`;
  return extras.length > 0 ? `${name} (${extras.join(', ')})` : name;
}

/** The on-call as audit details carry them (`details.onCall`); malformed entries are skipped. */
export function onCallFromDetails(value: unknown): Pick<OnCall, 'name' | 'slackUserId' | 'escalationLevel' | 'schedule'>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    if (!v || typeof v !== 'object') return [];
    const o = v as Record<string, unknown>;
    if (typeof o.name !== 'string') return [];
    return [
      {
        name: o.name,
        ...(typeof o.slackUserId === 'string' ? { slackUserId: o.slackUserId } : {}),
        ...(typeof o.escalationLevel === 'number' ? { escalationLevel: o.escalationLevel } : {}),
        ...(typeof o.schedule === 'string' ? { schedule: o.schedule } : {}),
      },
    ];
  });
}

/** One thread line: "On call: <@U…> (Ana Ruiz, level 1), Ben Okafor (level 2)". */
export function onCallSentence(list: readonly Pick<OnCall, 'name' | 'slackUserId' | 'escalationLevel'>[]): string {
  if (list.length === 0) return 'On call: not known to the bot (PAGERDUTY_API_TOKEN unset, or PagerDuty did not answer).';
  const people = list.map((o) => onCallPerson(o, o.escalationLevel !== undefined ? [`level ${o.escalationLevel}`] : []));
  return truncate(`On call: ${people.join(', ')}`, SECTION_LIMIT / 2);
}

/**
 * The `/oncall` answer: who is on call now, grouped by escalation policy, lowest level first.
 * Plain mrkdwn text, since ephemeral replies here carry text only.
 */
export function onCallMessage(list: readonly OnCall[]): string {
  if (list.length === 0) return 'PagerDuty names nobody on call right now (or could not be reached: the bot logs a warning when it cannot).';
  const byPolicy = new Map<string, OnCall[]>();
  for (const o of list) {
    const policy = o.escalationPolicy ?? 'No escalation policy';
    byPolicy.set(policy, [...(byPolicy.get(policy) ?? []), o]);
  }
  const lines = ['*On call now (PagerDuty)*'];
  for (const [policy, people] of byPolicy) {
    lines.push(`*${escapeMrkdwn(policy)}*`);
    for (const o of people) {
      const level = o.escalationLevel !== undefined ? `Level ${o.escalationLevel}: ` : '';
      lines.push(`• ${level}${onCallPerson(o)}${o.schedule ? ` · ${escapeMrkdwn(o.schedule)}` : ''}`);
    }
  }
  return truncate(lines.join('\n'), SECTION_LIMIT);
}
