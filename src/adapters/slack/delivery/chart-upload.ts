import type { Logger } from 'pino';
import type { AuditRecord } from '../../../core/audit.js';
import type { KeptSeries } from '../../../core/promql-result.js';
import type { AuditStore, Clock, DeliveryStore } from '../../../services/ports.js';
import type { ChartsState, ChatState } from './chat-state.js';
import { slackOldest } from './chat-state.js';
import type { SlackApi, SlackOutcome } from './slack-api.js';

/** Draws a PromQL record's chart as PNG (adapters/charts). */
export type ChartRenderer = (input: { title: string; subtitle?: string; series: readonly KeptSeries[] }) => Promise<Uint8Array>;

/** What chart uploads need from Slack delivery (its calls, pacing and store). */
export interface ChartContext {
  api: SlackApi;
  audit: Pick<AuditStore, 'after'>;
  deliveries: DeliveryStore;
  render: ChartRenderer;
  clock: Clock;
  log: Logger;
  /** How long after uploads were refused (no files:write) they are tried again. */
  refusedRetryMs: number;
  /** One Slack call, counted, with 429s pausing the channel. */
  send<T>(method: string, channel: string, work: () => Promise<SlackOutcome<T>>): Promise<SlackOutcome<T>>;
  /** The channel had a post now (pacing: one a second). */
  posted(channel: string): void;
}

/** The incident being served, and what delivery does for it. */
export interface ChartTurn {
  incidentId: string;
  state: ChatState;
  save(): Promise<void>;
  /** Audited: chat.delivery_failed. */
  refused(what: string, code: string, details?: Record<string, unknown>): Promise<void>;
  retryLater(reason: string): void;
}

/** A record whose chart is worth drawing: a range query that returned at least two points. */
export function hasChart(record: AuditRecord): boolean {
  if (record.kind !== 'diagnostics.promql' || record.outcome !== 'SUCCESS') return false;
  const series = (record.details?.series ?? []) as KeptSeries[];
  return series.some((s) => s.points.filter(([, v]) => v !== null).length >= 2);
}

/** After a batch of thread lines went out: the charts of its PromQL records are due next. */
export function queueCharts(state: ChatState, records: readonly AuditRecord[]): void {
  const seqs = records.filter(hasChart).map((r) => r.seq);
  if (seqs.length === 0) return;
  state.charts ??= { due: [] };
  state.charts.due.push(...seqs);
}

const UPLOADS_KEY = 'slack#uploads';
interface UploadsState {
  refused?: string;
  at?: string;
}

/**
 * Uploads the next due chart into the incident's thread, as a post that follows its record's thread
 * line: rendered, uploaded, then shared once (a share with an unknown outcome is looked for first).
 * When Slack refuses uploads (no `files:write`: `missing_scope`), that is recorded once and charts
 * are skipped for a while: the thread line's sparkline already shows the data. Returns false when
 * nothing was due.
 */
export function createChartUploads(ctx: ChartContext) {
  let uploads: { value: UploadsState; version: number } | undefined;

  async function uploadsRefused(): Promise<boolean> {
    uploads ??= (await ctx.deliveries.get<UploadsState>(UPLOADS_KEY)) ?? { value: {}, version: 0 };
    const { refused, at } = uploads.value;
    return Boolean(refused) && ctx.clock.now().getTime() - Date.parse(at ?? '') < ctx.refusedRetryMs;
  }

  async function refuseUploads(turn: ChartTurn, code: string, seq: number): Promise<void> {
    const value = { refused: code, at: ctx.clock.now().toISOString() };
    const version = uploads?.version ?? 0;
    try {
      uploads = { value, version: await ctx.deliveries.put(UPLOADS_KEY, value, version) };
    } catch {
      uploads = undefined; // another replica wrote it: read it again next time
    }
    ctx.log.warn({ code }, 'Slack refused a chart upload; charts are skipped for now (add files:write to the app), the sparklines stay');
    await turn.refused('chart', code, { key: seq, note: 'charts are not uploaded; the thread line has the sparkline' });
  }

  return {
    async serve(turn: ChartTurn): Promise<boolean> {
      const { incidentId, state } = turn;
      const charts: ChartsState | undefined = state.charts;
      const seq = charts?.due[0];
      if (!charts || seq === undefined) return false;
      const threadTs = state.root.ts as string;
      const done = async () => {
        charts.due.shift();
        delete charts.sharing;
        await turn.save();
        return true;
      };
      if (await uploadsRefused()) return done();
      const record = (await ctx.audit.after(incidentId, seq - 1, 1))[0];
      if (!record || record.seq !== seq || !hasChart(record)) return done();

      let fileId = charts.sharing?.seq === seq ? charts.sharing.fileId : undefined;
      if (fileId && charts.sharing) {
        const found = await ctx.send('lookup', state.channel, () => ctx.api.findFile(state.channel, threadTs, fileId as string, slackOldest(charts.sharing?.since as string)));
        if (found.kind === 'ok' && found.value) return done();
        if (found.kind === 'rate_limited' || found.kind === 'unknown') {
          turn.retryLater(`looking for a chart: ${found.kind}`);
          return true;
        }
      }
      const d = record.details ?? {};
      const title = String(d.title ?? 'PromQL');
      if (!fileId) {
        let png: Uint8Array;
        try {
          png = await ctx.render({ title, subtitle: `${record.runbook ?? ''} ${record.targetResource ?? ''}`.trim(), series: (d.series ?? []) as KeptSeries[] });
        } catch (err) {
          ctx.log.error({ err, seq }, 'could not draw a chart; the thread keeps the sparkline');
          return done();
        }
        const uploaded = await ctx.send('files.getUploadURLExternal', state.channel, () => ctx.api.upload({ filename: `chart-${record.incidentId}-${seq}.png`, bytes: png, altText: `${title}: ${String(d.query ?? '')}` }));
        if (uploaded.kind === 'refused') {
          await refuseUploads(turn, uploaded.code, seq);
          return done();
        }
        if (uploaded.kind !== 'ok') {
          if (uploaded.kind === 'unknown') turn.retryLater(`uploading a chart: ${uploaded.reason}`);
          return true;
        }
        fileId = uploaded.value.fileId;
        charts.sharing = { seq, fileId, since: ctx.clock.now().toISOString() };
        await turn.save();
      }
      ctx.posted(state.channel);
      const shared = await ctx.send('files.completeUploadExternal', state.channel, () => ctx.api.share(state.channel, threadTs, { fileId: fileId as string, title }));
      if (shared.kind === 'ok') return done();
      if (shared.kind === 'refused') {
        await turn.refused('chart', shared.code, { key: seq });
        return done();
      }
      if (shared.kind === 'unknown') turn.retryLater(`sharing a chart: ${shared.reason}`);
      return true;
    },
  };
}
