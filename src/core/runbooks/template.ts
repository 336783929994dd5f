/**
 * Runbook templates read alert labels and annotations only: `{{labels.cluster}}`,
 * `{{annotations.summary}}`. Anything else is a template error, so a runbook cannot reach into
 * other state. A missing value renders as an empty string, which the parameter pattern then refuses.
 */
export interface TemplateContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z0-9_.-]+)\s*\}\}/g;

export function templateErrors(template: string): string[] {
  const errors: string[] = [];
  const stripped = template.replace(placeholder, (_m, scope: string) => {
    if (scope !== 'labels' && scope !== 'annotations') errors.push(`unknown template scope "${scope}" (use labels or annotations)`);
    return '';
  });
  if (stripped.includes('{{') || stripped.includes('}}')) errors.push(`malformed template: ${template}`);
  return errors;
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  return template.replace(placeholder, (_m, scope: string, key: string) => {
    const source = scope === 'labels' ? ctx.labels : scope === 'annotations' ? ctx.annotations : {};
    return Object.prototype.hasOwnProperty.call(source, key) ? (source[key] ?? '') : '';
  });
}
