/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), read in UTC, for
 * scheduled runbooks: `*`, numbers, ranges `a-b`, lists `a,b` and steps `*\/n` or `a-b/n`; day of
 * week 0–7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a day matching
 * either counts. Pure, so the scheduler asks "is this minute due?" with its own clock.
 */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

const FIELDS: [string, number, number][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];

function field(text: string, [name, min, max]: [string, number, number]): Set<number> | string {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return `${name} "${part}" is not *, a number, a range a-b or a step */n`;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to) return `${name} "${part}" is outside ${min}-${max}`;
    if (step < 1) return `${name} "${part}" has a step below 1`;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expression: string): { ok: true; schedule: CronSchedule } | { ok: false; reason: string } {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return { ok: false, reason: `expected five fields (minute hour day-of-month month day-of-week), found ${parts.length}` };
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const parsed = field(part, FIELDS[i] as [string, number, number]);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    sets.push(parsed);
  }
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  return { ok: true, schedule: { minutes, hours, days, months, weekdays, dayRestricted: parts[2] !== '*', weekdayRestricted: parts[4] !== '*' } };
}

/** Whether the minute `at` falls in (UTC) is one the schedule fires in. */
export function cronMatches(s: CronSchedule, at: Date): boolean {
  if (!s.minutes.has(at.getUTCMinutes()) || !s.hours.has(at.getUTCHours()) || !s.months.has(at.getUTCMonth() + 1)) return false;
  const day = s.days.has(at.getUTCDate());
  const weekday = s.weekdays.has(at.getUTCDay());
  if (s.dayRestricted && s.weekdayRestricted) return day || weekday;
  return day && weekday;
}
