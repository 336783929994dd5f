import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { KeptSeries } from '../../core/promql-result.js';
import { seriesName } from '../../core/promql-result.js';

/** What a chart shows: a PromQL diagnostic's kept series. */
export interface ChartInput {
  title: string;
  subtitle?: string;
  series: readonly KeptSeries[];
}

export const CHART_SIZE = { width: 800, height: 400 };

const require = createRequire(import.meta.url);

/**
 * Apache ECharts renders the chart to SVG on the server (its SSR mode: no DOM, no browser), and
 * resvg, compiled to WebAssembly and shipped inside its npm package, rasterises it to PNG with the
 * DejaVu Sans font from the dejavu-fonts-ttf package (a server has no fonts to rely on). Loaded on
 * first use: a bot that never draws a chart never pays for either.
 */
let engine: Promise<{ render(svg: string): Uint8Array; svg(input: ChartInput): string }> | undefined;

async function load() {
  const [echarts, charts, components, renderers, resvg, font] = await Promise.all([
    import('echarts/core'),
    import('echarts/charts'),
    import('echarts/components'),
    import('echarts/renderers'),
    import('@resvg/resvg-wasm'),
    readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
  ]);
  echarts.use([charts.LineChart, components.GridComponent, components.TitleComponent, components.LegendComponent, renderers.SVGRenderer]);
  await resvg.initWasm(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  const fontBuffers = [new Uint8Array(font)];
  return {
    svg(input: ChartInput): string {
      const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...CHART_SIZE });
      try {
        chart.setOption({
          animation: false,
          useUTC: true,
          backgroundColor: '#ffffff',
          textStyle: { fontFamily: 'DejaVu Sans' },
          title: { text: input.title, subtext: `${input.subtitle ?? ''} (times in UTC)`.trim(), left: 'center' },
          // One legend row per series: without a browser ECharts can only estimate text widths,
          // and side-by-side entries in DejaVu Sans would overlap.
          legend: input.series.length > 1 ? { orient: 'vertical', left: 70, bottom: 5, itemGap: 4 } : { show: false },
          grid: { left: 70, right: 30, top: 70, bottom: input.series.length > 1 ? 40 + 18 * input.series.length : 40 },
          xAxis: { type: 'time' },
          yAxis: { type: 'value', scale: true },
          series: input.series.map((s) => ({
            type: 'line',
            name: seriesName(s.labels).slice(0, 80),
            showSymbol: s.points.length < 3,
            connectNulls: false,
            data: s.points.map(([t, v]) => [t * 1000, v]),
          })),
        });
        return chart.renderToSVGString();
      } finally {
        chart.dispose();
      }
    },
    render(svg: string): Uint8Array {
      const image = new resvg.Resvg(svg, { font: { fontBuffers, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }, background: '#ffffff' });
      try {
        return image.render().asPng();
      } finally {
        image.free();
      }
    },
  };
}

/** The PNG of a PromQL diagnostic's series (UTC time axis, one line per series). */
export async function renderPromqlChart(input: ChartInput): Promise<Uint8Array> {
  engine ??= load().catch((err: unknown) => {
    engine = undefined; // let a later chart try again
    throw err;
  });
  const e = await engine;
  return e.render(e.svg(input));
}
