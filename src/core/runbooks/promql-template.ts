import type { TemplateContext } from './template.js';
import { PLACEHOLDER_SOURCE, resolveExpression, templateErrors } from './template.js';

/**
 * PromQL templates (`promql:` diagnostics, `verify.promql`) use the same placeholders as parameters,
 * but a label value must never change the shape of the query: a value such as `x"} or vector(1) #`
 * would otherwise select other series or answer a check by itself. So every placeholder must sit
 * inside a quoted PromQL string literal, and its value is escaped for that literal (backslash, the
 * quote, control characters); inside the operand of a regex matcher (`=~`, `!~`) the value is also
 * escaped for RE2, so it matches itself and nothing wider. An empty value is refused (a selector
 * such as `service=""` would match every series without the label).
 */

type Quote = '"' | "'" | '`';

interface Placeholder {
  expression: string;
  raw: string;
  /** The string literal it sits in, if any. */
  quote?: Quote;
  /** It is the operand of `=~` or `!~`. */
  regex: boolean;
}

type Segment = string | Placeholder;

function parse(template: string): { segments: Segment[]; problems: string[] } {
  const segments: Segment[] = [];
  const problems: string[] = [];
  const sticky = new RegExp(PLACEHOLDER_SOURCE, 'y');
  let text = '';
  let quote: Quote | undefined;
  let regex = false;
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('{{', i)) {
      sticky.lastIndex = i;
      const m = sticky.exec(template);
      if (m) {
        if (text) segments.push(text);
        text = '';
        segments.push({ expression: m[1] as string, raw: m[0], ...(quote ? { quote } : {}), regex: quote !== undefined && regex });
        i += m[0].length;
        continue;
      }
    }
    const ch = template[i] as string;
    if (quote) {
      if (ch === '\\' && quote !== '`') {
        text += template.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      regex = /[=!]~\s*$/.test(template.slice(0, i));
    }
    text += ch;
    i++;
  }
  if (text) segments.push(text);
  if (quote) problems.push(`a ${quote} string is not closed`);
  return { segments, problems };
}

/** Why `template` is not a usable PromQL template (empty: it is). */
export function promqlTemplateErrors(template: string): string[] {
  const { segments, problems } = parse(template);
  for (const s of segments) {
    if (typeof s === 'string') continue;
    if (!s.quote) problems.push(`${s.raw} is outside a quoted string: label values may only fill PromQL string literals ("…")`);
    else if (s.quote === '`') problems.push(`${s.raw} is inside a backtick string, which PromQL does not escape: use double quotes`);
  }
  return [...templateErrors(template), ...problems];
}

const RE2_META = /[\\.+*?()|[\]{}^$]/g;

function escapeFor(value: string, quote: Quote, regex: boolean): string {
  const literal = regex ? value.replace(RE2_META, '\\$&') : value;
  let out = '';
  for (const ch of literal) {
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch === '\u007f') out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

export type RenderedQuery = { ok: true; query: string } | { ok: false; query: string; reason: string };

/**
 * Renders a PromQL template for one alert. A template that breaks the rules above, or a placeholder
 * that renders empty, gives `ok: false` with the reason (the query is then not sent).
 */
export function renderPromql(template: string, ctx: TemplateContext): RenderedQuery {
  const errors = promqlTemplateErrors(template);
  if (errors.length > 0) return { ok: false, query: template, reason: errors.join('; ') };
  const { segments } = parse(template);
  let query = '';
  const empty: string[] = [];
  for (const s of segments) {
    if (typeof s === 'string') {
      query += s;
      continue;
    }
    const value = resolveExpression(s.expression, ctx);
    if (value === '') empty.push(s.expression.trim());
    query += escapeFor(value, s.quote as Quote, s.regex);
  }
  if (empty.length > 0) return { ok: false, query, reason: `${empty.join(', ')} rendered empty, so the query would match series without that label` };
  return { ok: true, query };
}
