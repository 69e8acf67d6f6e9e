// A DashboardSpec as google.monitoring.dashboard.v1.Dashboard JSON, for either metric path:
// `current` (PromQL over the Telemetry API's prometheus.googleapis.com metrics) or `legacy`
// (timeSeriesFilter over the legacy exporter's workload.googleapis.com metrics).
import { hasLegacyFilter, legacyLabel, legacyQuery } from './legacy-filter.ts';
import { cloudNaming, legacyPromQlNaming, seriesPromQl, type PromQlNaming } from './promql.ts';
import type { ChartSpec, DashboardSpec, SeriesSpec, WidgetSpec } from './spec.ts';

export type MetricPath = 'current' | 'legacy';

/** Label every install adds so `gempool dashboards install` finds its own dashboards again. */
export const GEMPOOL_ID_LABEL = 'gempool_id';

const COLUMNS = 48;
const CHART_WIDTH = 24;
const CHART_HEIGHT = 16;
const PLOT_TYPES = { line: 'LINE', 'stacked-area': 'STACKED_AREA', 'stacked-bar': 'STACKED_BAR' } as const;

/**
 * When a chart has several series, a `series` label carries each one's legend (`p95`, `retried`)
 * so lines stay distinguishable whatever else they are grouped by.
 */
export function labelledPromQl(series: SeriesSpec, naming: PromQlNaming, chart: ChartSpec): string {
  const expression = seriesPromQl(series, naming);
  if (series.legend === undefined || chart.series.length === 1) return expression;
  return `label_replace(${expression}, "series", ${JSON.stringify(series.legend)}, "", "")`;
}

function dataSet(series: SeriesSpec, chart: ChartSpec, path: MetricPath): Record<string, unknown> {
  const common = { plotType: PLOT_TYPES[chart.kind], targetAxis: 'Y1', minAlignmentPeriod: '60s' };
  if (path === 'legacy' && hasLegacyFilter(series)) {
    const { filter, aggregation } = legacyQuery(series);
    const labels = (series.by ?? []).map((attribute) => `\${${legacyLabel(attribute).replace('metric.label.', 'metric.labels.')}}`);
    const legend = [series.legend, ...labels].filter((part) => part !== undefined).join(' ');
    return {
      timeSeriesQuery: { timeSeriesFilter: { filter, aggregation }, unitOverride: chart.unit },
      ...common,
      ...(legend === '' ? {} : { legendTemplate: legend }),
    };
  }
  const naming = path === 'current' ? cloudNaming : legacyPromQlNaming;
  return { timeSeriesQuery: { prometheusQuery: labelledPromQl(series, naming, chart), unitOverride: chart.unit }, ...common };
}

function widget(spec: WidgetSpec, path: MetricPath): Record<string, unknown> {
  if (spec.kind === 'logs') return { title: spec.title, logsPanel: { filter: spec.filter } };
  const xyChart: Record<string, unknown> = {
    dataSets: spec.series.map((series) => dataSet(series, spec, path)),
    yAxis: { label: spec.yAxisLabel, scale: 'LINEAR' },
    chartOptions: { mode: 'COLOR' },
  };
  if (spec.thresholds !== undefined) xyChart.thresholds = spec.thresholds.map((threshold) => ({ ...threshold, targetAxis: 'Y1' }));
  return { title: spec.title, xyChart };
}

function intro(spec: DashboardSpec, path: MetricPath): string {
  const source =
    path === 'current'
      ? 'Metrics from `@gempool/otel` exported with OTLP to the Telemetry API (`prometheus.googleapis.com`).'
      : 'Metrics from the legacy Cloud Monitoring exporter (`workload.googleapis.com`).';
  return `${spec.summary}\n\n${source} Chart notes: dashboards/${spec.id}/README.md.`;
}

export function renderCloudDashboard(spec: DashboardSpec, path: MetricPath): Record<string, unknown> {
  const tiles: Record<string, unknown>[] = [
    { xPos: 0, yPos: 0, width: COLUMNS, height: 4, widget: { title: 'About this dashboard', text: { content: intro(spec, path), format: 'MARKDOWN' } } },
  ];
  let column = 0;
  let row = 4;
  for (const item of spec.widgets) {
    // Logs panels take a full row; charts sit two to a row.
    const width = item.kind === 'logs' ? COLUMNS : CHART_WIDTH;
    if (column + width > COLUMNS) {
      column = 0;
      row += CHART_HEIGHT;
    }
    tiles.push({ xPos: column, yPos: row, width, height: item.kind === 'logs' ? 20 : CHART_HEIGHT, widget: widget(item, path) });
    column += width;
  }
  return {
    displayName: spec.displayName,
    mosaicLayout: { columns: COLUMNS, tiles },
    labels: { [GEMPOOL_ID_LABEL]: spec.id },
  };
}
