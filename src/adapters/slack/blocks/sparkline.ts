import type { KeptSeries } from '../../../core/promql-result.js';
import { seriesName } from '../../../core/promql-result.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A text sparkline: one bar per point scaled between the series' min and max; a gap is a space. */
export function sparkline(points: readonly (number | null)[]): string {
  const values = points.filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return points
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      // A flat line sits in the middle rather than on the floor, so it does not read as "zero".
      const level = span === 0 ? 3 : Math.round(((v - min) / span) * (BARS.length - 1));
      return BARS[level] as string;
    })
    .join('');
}

/** A value as a person reads it on a glance: four significant digits, no exponent below a billion. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** `last 0.02 · min 0.001 · max 0.2`. */
export function stats(s: Pick<KeptSeries, 'last' | 'min' | 'max'>): string {
  return `last ${formatValue(s.last)} · min ${formatValue(s.min)} · max ${formatValue(s.max)}`;
}

/** One line per kept series: the sparkline, its statistics and its labels (the caller escapes). */
export function seriesLines(series: readonly KeptSeries[]): { spark: string; stats: string; name: string }[] {
  return series.map((s) => ({ spark: sparkline(s.points.map(([, v]) => v)), stats: stats(s), name: seriesName(s.labels) }));
}
