// PromQL for a SeriesSpec, written once and rendered for three metric namings:
// - `cloudNaming`: Cloud Monitoring's current path (OTLP → Telemetry API → prometheus.googleapis.com).
//   The Telemetry API keeps OpenTelemetry names and attribute keys as they are (dots included), so
//   they are written in PromQL's UTF-8 form: `{"gen_ai.client.operation.duration_bucket"}` and
//   `"gen_ai.request.model"`. Histograms are read through `_bucket`/`_sum`/`_count` as for any
//   Cloud Monitoring distribution.
// - `legacyPromQlNaming`: the legacy exporter's `workload.googleapis.com/<name>` metrics read with
//   PromQL (used only where a timeSeriesFilter cannot express the chart, e.g. a histogram's sum).
// - `prometheusNaming`: what `@opentelemetry/exporter-prometheus` exposes on /metrics (Grafana).
// Metric and label spelling for every backend lives in this file and in @gempool/otel's helpers.
import { METRICS, type AttributeKey, type MetricDefinition } from '../../packages/otel/src/metrics.ts';
import {
  legacyCloudMonitoringLabel,
  legacyCloudMonitoringName,
  prometheusLabel,
  prometheusName,
} from '../../packages/otel/src/metric-names.ts';
import type { SeriesSpec } from './spec.ts';

export type HistogramPart = '' | '_bucket' | '_sum' | '_count';

export interface PromQlNaming {
  /** `selector(metric, part, matchers)` → a series selector such as `name{a="b"}`. */
  selector(metric: MetricDefinition, part: HistogramPart, matchers: Record<string, string | readonly string[]>): string;
  /** An attribute as a label name usable in `by (...)`. */
  label(attribute: AttributeKey | 'le' | 'instance'): string;
}

const quote = (text: string) => JSON.stringify(text);

function matcher(label: string, value: string | readonly string[]): string {
  if (typeof value === 'string') return `${label}=${quote(value)}`;
  return `${label}=~${quote(value.map((item) => item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'))}`;
}

function utf8Naming(metricName: (metric: MetricDefinition) => string, labelName: (attribute: string) => string): PromQlNaming {
  // `le` and `instance` are Prometheus' own labels and keep their names on every backend.
  const label = (attribute: string) => (attribute === 'le' || attribute === 'instance' ? attribute : labelName(attribute));
  return {
    label,
    selector(metric, part, matchers) {
      const parts = [quote(`${metricName(metric)}${part}`), ...Object.entries(matchers).map(([key, value]) => matcher(label(key), value))];
      return `{${parts.join(', ')}}`;
    },
  };
}

const quoteIfNeeded = (label: string) => (/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label) ? label : quote(label));

export const cloudNaming: PromQlNaming = utf8Naming((metric) => metric.name, (attribute) => quoteIfNeeded(attribute));

export const legacyPromQlNaming: PromQlNaming = utf8Naming(
  (metric) => legacyCloudMonitoringName(metric),
  (attribute) => legacyCloudMonitoringLabel(attribute),
);

export const prometheusNaming: PromQlNaming = {
  label: (attribute) => (attribute === 'le' || attribute === 'instance' ? attribute : prometheusLabel(attribute)),
  selector(metric, part, matchers) {
    const labels = Object.entries(matchers).map(([key, value]) => matcher(prometheusLabel(key), value));
    return `${prometheusName(metric)}${part}${labels.length === 0 ? '' : `{${labels.join(', ')}}`}`;
  },
};

export const DEFAULT_WINDOW_SECONDS = 300;

export function promDuration(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export function metricOf(series: Pick<SeriesSpec, 'metric'>): MetricDefinition {
  return METRICS[series.metric];
}

function byClause(naming: PromQlNaming, labels: readonly string[]): string {
  return labels.length === 0 ? '' : ` by (${labels.map((label) => naming.label(label as AttributeKey)).join(', ')})`;
}

/** The PromQL expression for one series under one naming. */
export function seriesPromQl(series: SeriesSpec, naming: PromQlNaming): string {
  const metric = metricOf(series);
  const where = (series.where ?? {}) as Record<string, string | readonly string[]>;
  const by = series.by ?? [];
  const window = promDuration(series.windowSeconds ?? DEFAULT_WINDOW_SECONDS);
  switch (series.aggregation) {
    case 'rate':
      return `sum${byClause(naming, by)} (rate(${naming.selector(metric, '', where)}[${window}]))`;
    case 'increase':
      return `sum${byClause(naming, by)} (increase(${naming.selector(metric, '', where)}[${window}]))`;
    case 'histogram-sum-rate':
      return `sum${byClause(naming, by)} (rate(${naming.selector(metric, '_sum', where)}[${window}]))`;
    case 'quantile':
      return `histogram_quantile(${series.quantile}, sum${byClause(naming, ['le', ...by])} (rate(${naming.selector(metric, '_bucket', where)}[${window}])))`;
    case 'sum':
    case 'max':
    case 'min':
      return `${series.aggregation}${byClause(naming, by)} (${naming.selector(metric, '', where)})`;
    case 'mean':
      return `avg${byClause(naming, by)} (${naming.selector(metric, '', where)})`;
  }
}
