// The one source every dashboard and alert variant is generated from. A chart names registry
// metrics (never metric strings) and says how to aggregate them; the renderers turn that into
// PromQL for Cloud Monitoring's current metric path, a timeSeriesFilter for the legacy exporter's
// workload.googleapis.com metrics, and PromQL over the Prometheus exporter's names for Grafana.
import type { AttributeKey, MetricKey } from '../../packages/otel/src/metrics.ts';

/**
 * How a series is computed from its metric.
 * - `rate`: per-second rate of a counter.
 * - `increase`: counter increase per `window` (e.g. USD per hour).
 * - `quantile`: a histogram quantile (`quantile` 0..1) over `window`.
 * - `histogram-sum-rate`: per-second rate of a histogram's sum (e.g. tokens per second).
 * - `sum` / `max` / `min` / `mean`: a gauge or up-down counter, combined across series.
 */
export type Aggregation = 'rate' | 'increase' | 'quantile' | 'histogram-sum-rate' | 'sum' | 'max' | 'min' | 'mean';

export interface SeriesSpec {
  metric: MetricKey;
  aggregation: Aggregation;
  /** For `quantile`: 0.5, 0.95, 0.99. */
  quantile?: number;
  /** Attributes the series are grouped by (one line per combination). */
  by?: AttributeKey[];
  /** Only series whose attribute equals one of the given values. */
  where?: Partial<Record<AttributeKey, string | readonly string[]>>;
  /** Rate / quantile / increase window in seconds. Default 300. */
  windowSeconds?: number;
  /** Short name of the series in legends, e.g. `p95`. */
  legend?: string;
}

export interface ThresholdSpec {
  value: number;
  label: string;
  color: 'YELLOW' | 'RED';
  direction: 'ABOVE' | 'BELOW';
}

export interface ChartSpec {
  kind: 'line' | 'stacked-area' | 'stacked-bar';
  title: string;
  /** The question this chart answers: shown in the dashboard folder's README and as the panel description. */
  answers: string;
  series: SeriesSpec[];
  /** UCUM-ish unit of the plotted values (`s`, `1`, `USD`, `{request}/s`…), for axis labels and Grafana units. */
  unit: string;
  yAxisLabel: string;
  thresholds?: ThresholdSpec[];
}

export interface LogsSpec {
  kind: 'logs';
  title: string;
  answers: string;
  /** Cloud Logging filter. */
  filter: string;
}

export type WidgetSpec = ChartSpec | LogsSpec;

export interface DashboardSpec {
  /** Folder name and stable install id, kebab-case. */
  id: string;
  displayName: string;
  /** One paragraph: who opens this dashboard and when. */
  summary: string;
  widgets: WidgetSpec[];
}

/** One alert condition, written for both metric paths. */
export interface AlertConditionSpec {
  displayName: string;
  /** PromQL for the current path; `q` renders metric selectors and labels for that backend. */
  promql: (q: import('./promql.ts').PromQlNaming) => string;
  /** The legacy exporter's equivalent as a threshold on a timeSeriesFilter. */
  legacy: {
    series: SeriesSpec;
    /** Optional denominator: the condition compares series / denominator. */
    denominator?: SeriesSpec;
    comparison: 'COMPARISON_GT' | 'COMPARISON_LT';
    threshold: number;
  };
  /** How long the condition must hold before the policy fires, seconds. */
  forSeconds: number;
}

export interface AlertSpec {
  id: string;
  displayName: string;
  severity: 'CRITICAL' | 'ERROR' | 'WARNING';
  /** All conditions must hold (AND) or any (OR). */
  combiner: 'AND' | 'OR';
  conditions: AlertConditionSpec[];
  /** Markdown for the on-call engineer: what fired, what it means, what to do. */
  runbook: string;
  /** Close the incident after this long without the condition, seconds. */
  autoCloseSeconds: number;
}
