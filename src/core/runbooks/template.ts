/**
 * Runbook templates read alert labels and annotations only: `{{labels.cluster}}`,
 * `{{annotations.summary}}`. Anything else is a template error, so a runbook cannot reach into
 * other state. A missing value renders as an empty string, which the parameter pattern then refuses.
 *
 * `{{labels.cluster_name || labels.cluster}}` is the first of the references that is present and
 * not empty: one runbook can then read the same fact from the label names different senders use
 * (a CloudWatch dimension, an exporter's label, an Alertmanager rule's own label).
 */
export interface TemplateContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const REFERENCE = String.raw`[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_.-]+`;
/** `{{ labels.a || labels.b }}`; group 1 is the expression between the braces. */
export const PLACEHOLDER_SOURCE = String.raw`\{\{\s*(${REFERENCE}(?:\s*\|\|\s*${REFERENCE})*)\s*\}\}`;
const placeholder = new RegExp(PLACEHOLDER_SOURCE, 'g');

function references(expression: string): { scope: string; key: string }[] {
  return expression.split('||').map((part) => {
    const ref = part.trim();
    const dot = ref.indexOf('.');
    return { scope: ref.slice(0, dot), key: ref.slice(dot + 1) };
  });
}

export function templateErrors(template: string): string[] {
  const errors: string[] = [];
  const stripped = template.replace(placeholder, (_m, expression: string) => {
    for (const { scope } of references(expression)) {
      if (scope !== 'labels' && scope !== 'annotations') errors.push(`unknown template scope "${scope}" (use labels or annotations)`);
    }
    return '';
  });
  if (stripped.includes('{{') || stripped.includes('}}')) errors.push(`malformed template: ${template}`);
  return errors;
}

/** The value of one placeholder's expression: the first reference present and not empty, else ''. */
export function resolveExpression(expression: string, ctx: TemplateContext): string {
  for (const { scope, key } of references(expression)) {
    const source = scope === 'labels' ? ctx.labels : scope === 'annotations' ? ctx.annotations : {};
    const value = Object.prototype.hasOwnProperty.call(source, key) ? (source[key] ?? '') : '';
    if (value !== '') return value;
  }
  return '';
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  return template.replace(placeholder, (_m, expression: string) => resolveExpression(expression, ctx));
}
