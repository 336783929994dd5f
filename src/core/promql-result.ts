/**
 * A PromQL result as an audit record keeps it: bounded, so a query over thousands of series or a
 * day at 15 s steps cannot bloat the trail (a DynamoDB item holds 400 KB). The statistics (last,
 * min, max) come from every sample; only the points kept for the chart are downsampled.
 */
export interface KeptSeries {
  labels: Record<string, string>;
  /**
   * `[epoch seconds, value]`, at most MAX_POINTS: bucket means when there were more. A sample that
   * is not a finite number (NaN, ±Inf) is null: neither JSON nor DynamoDB numbers can hold it.
   */
  points: [number, number | null][];
  last?: number;
  min?: number;
  max?: number;
}

export interface KeptResult {
  series: KeptSeries[];
  /** How many series the query returned (only the first MAX_SERIES are kept). */
  seriesTotal: number;
  /** Whether points were averaged into buckets. */
  downsampled: boolean;
}

export const MAX_SERIES = 5;
export const MAX_POINTS = 60;
const MAX_LABELS = 10;
const MAX_LABEL_CHARS = 100;

function cut(value: string): string {
  return value.length > MAX_LABEL_CHARS ? `${value.slice(0, MAX_LABEL_CHARS)}…` : value;
}

function downsample(points: [number, number][]): [number, number][] {
  if (points.length <= MAX_POINTS) return points;
  const size = points.length / MAX_POINTS;
  const out: [number, number][] = [];
  for (let b = 0; b < MAX_POINTS; b++) {
    const bucket = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    const finite = bucket.filter(([, v]) => Number.isFinite(v));
    const t = (bucket.at(-1) as [number, number])[0];
    out.push([t, finite.length === 0 ? Number.NaN : finite.reduce((sum, [, v]) => sum + v, 0) / finite.length]);
  }
  return out;
}

/** Keeps at most MAX_SERIES series of at most MAX_POINTS points, with exact last/min/max. */
export function keepResult(series: readonly { labels: Record<string, string>; points: [number, number][] }[]): KeptResult {
  let downsampled = false;
  const kept = series.slice(0, MAX_SERIES).map((s) => {
    const values = s.points.map(([, v]) => v).filter((v) => Number.isFinite(v));
    const sampled = downsample(s.points);
    if (sampled !== s.points) downsampled = true;
    const points = sampled.map(([t, v]): [number, number | null] => [t, Number.isFinite(v) ? v : null]);
    const labels = Object.fromEntries(Object.entries(s.labels).slice(0, MAX_LABELS).map(([k, v]) => [cut(k), cut(v)]));
    const lastPoint = s.points.at(-1);
    return {
      labels,
      points,
      ...(lastPoint && Number.isFinite(lastPoint[1]) ? { last: lastPoint[1] } : {}),
      ...(values.length > 0 ? { min: Math.min(...values), max: Math.max(...values) } : {}),
    };
  });
  return { series: kept, seriesTotal: series.length, downsampled };
}

/** `{job="api", code="500"}`, or the query's own name when the series has no labels. */
export function seriesName(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(', ');
  if (!name && !inner) return 'value';
  return `${name ?? ''}${inner ? `{${inner}}` : ''}`;
}
