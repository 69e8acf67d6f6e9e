// A DashboardSpec as a Grafana dashboard over a Prometheus data source scraping the
// `@opentelemetry/exporter-prometheus` endpoint, importable by file (Dashboards → Import). The
// data source is an import-time input (`DS_PROMETHEUS`), so the file works in any Grafana.
import { LEAK_LOG_FILTER } from './leak-log-record.ts';
import { prometheusNaming } from './promql.ts';
import { labelledPromQl } from './render-cloud-dashboard.ts';
import { prometheusLabel } from '../../packages/otel/src/metric-names.ts';
import type { ChartSpec, DashboardSpec, WidgetSpec } from './spec.ts';

const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const GRAFANA_UNITS: Record<string, string> = { s: 's', '1': 'percentunit', USD: 'currencyUSD' };

function legendFormat(chart: ChartSpec, index: number): string | undefined {
  const series = chart.series[index]!;
  const labels = (series.by ?? []).map((attribute) => `{{${prometheusLabel(attribute)}}}`);
  const parts = [series.legend, ...labels].filter((part) => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(' ');
}

function chartPanel(chart: ChartSpec, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  const stacked = chart.kind !== 'line';
  const steps: Array<{ color: string; value: number | null }> = [{ color: 'green', value: null }];
  for (const threshold of chart.thresholds ?? []) steps.push({ color: threshold.color === 'RED' ? 'red' : 'yellow', value: threshold.value });
  return {
    id,
    type: 'timeseries',
    title: chart.title,
    description: chart.answers,
    gridPos,
    datasource: DATASOURCE,
    targets: chart.series.map((series, index) => {
      const legend = legendFormat(chart, index);
      return { refId: String.fromCharCode(65 + index), datasource: DATASOURCE, expr: labelledPromQl(series, prometheusNaming, chart), ...(legend === undefined ? {} : { legendFormat: legend }) };
    }),
    fieldConfig: {
      defaults: {
        unit: GRAFANA_UNITS[chart.unit] ?? 'short',
        custom: {
          drawStyle: chart.kind === 'stacked-bar' ? 'bars' : 'line',
          fillOpacity: stacked ? 40 : 0,
          stacking: { mode: stacked ? 'normal' : 'none', group: 'A' },
          axisLabel: chart.yAxisLabel,
          thresholdsStyle: { mode: chart.thresholds === undefined ? 'off' : 'line' },
        },
        thresholds: { mode: 'absolute', steps },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

/** Prometheus has no logs: the panel says where the leak records are instead. */
function logsNotePanel(widget: Extract<WidgetSpec, { kind: 'logs' }>, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  return {
    id,
    type: 'text',
    title: widget.title,
    description: widget.answers,
    gridPos,
    options: {
      mode: 'markdown',
      content: `Leak records (with the stack of the call that leaked) are log lines, not metrics. In Cloud Logging filter on\n\n\`${LEAK_LOG_FILTER}\`\n\nor search your log store for \`"event":"gempool.leak"\`.`,
    },
  };
}

export function renderGrafanaDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let x = 0;
  let y = 0;
  spec.widgets.forEach((widget, index) => {
    const width = widget.kind === 'logs' ? 24 : 12;
    if (x + width > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { x, y, w: width, h: 8 };
    panels.push(widget.kind === 'logs' ? logsNotePanel(widget, index + 1, gridPos) : chartPanel(widget, index + 1, gridPos));
    x += width;
  });
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'Prometheus scraping the gempool /metrics endpoint', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
    ],
    uid: `gempool-${spec.id}`,
    title: spec.displayName,
    description: spec.summary,
    tags: ['gempool'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}
