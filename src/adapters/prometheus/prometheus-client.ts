import type { PromQueryClient, PromSeries } from '../../services/ports.js';

export interface PrometheusClientOptions {
  /** PROMETHEUS_URL; a path prefix (`https://host/prometheus/`) is kept. */
  url: string;
  /** PROMETHEUS_BEARER_TOKEN, sent as `Authorization: Bearer …`. */
  bearerToken?: string;
  /** A query that takes longer is given up on (Prometheus' own timeout is 2 min). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

type Sample = [number, string];

function seriesOf(data: NonNullable<ApiAnswer['data']>): PromSeries[] {
  const value = (s: Sample): [number, number] => [Number(s[0]), Number(s[1])];
  switch (data.resultType) {
    case 'matrix':
      return (data.result as { metric?: Record<string, string>; values?: Sample[] }[]).map((r) => ({ labels: r.metric ?? {}, points: (r.values ?? []).map(value) }));
    case 'vector':
      return (data.result as { metric?: Record<string, string>; value?: Sample }[]).map((r) => ({ labels: r.metric ?? {}, points: r.value ? [value(r.value)] : [] }));
    case 'scalar':
      return [{ labels: {}, points: [value(data.result as Sample)] }];
    default:
      throw new Error(`Prometheus answered a ${String(data.resultType)} result; expected a vector, a matrix or a scalar`);
  }
}

/**
 * Prometheus' query API over HTTP. Queries go as POST form bodies (Prometheus accepts both; a long
 * query does not hit URL limits). Only reads: the bot never writes to Prometheus.
 */
export function createPrometheusClient(options: PrometheusClientOptions): PromQueryClient {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(path: string, form: Record<string, string>): Promise<PromSeries[]> {
    let res: Response;
    try {
      res = await doFetch(new URL(path, base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`Prometheus did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: ApiAnswer;
    try {
      body = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new Error(`Prometheus answered HTTP ${res.status} without JSON${res.status === 401 || res.status === 403 ? ' (check PROMETHEUS_BEARER_TOKEN)' : ''}`);
    }
    if (body.status !== 'success' || !body.data) throw new Error(`Prometheus refused the query (HTTP ${res.status}): ${body.errorType ?? 'error'}: ${body.error ?? 'no message'}`);
    return seriesOf(body.data);
  }

  return {
    instant: (query) => call('api/v1/query', { query }),
    range: (query, { start, end, stepSeconds }) =>
      call('api/v1/query_range', { query, start: (start.getTime() / 1000).toFixed(3), end: (end.getTime() / 1000).toFixed(3), step: String(stepSeconds) }),
  };
}
