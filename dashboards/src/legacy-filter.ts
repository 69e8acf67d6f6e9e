// The legacy exporter's path: `workload.googleapis.com/<name>` metrics read with a Monitoring
// filter and an Aggregation (aligner per series, reducer across series), as Cloud Monitoring's
// timeSeriesFilter and conditionThreshold take them. Attribute dots become `_` in label keys.
import { legacyCloudMonitoringLabel, legacyCloudMonitoringName } from '../../packages/otel/src/metric-names.ts';
import { DEFAULT_WINDOW_SECONDS, metricOf } from './promql.ts';
import type { SeriesSpec } from './spec.ts';

export interface LegacyAggregation {
  alignmentPeriod: string;
  perSeriesAligner: string;
  crossSeriesReducer: string;
  groupByFields?: string[];
}

export interface LegacyQuery {
  filter: string;
  aggregation: LegacyAggregation;
}

const PERCENTILE_REDUCERS: Record<string, string> = {
  '0.5': 'REDUCE_PERCENTILE_50',
  '0.95': 'REDUCE_PERCENTILE_95',
  '0.99': 'REDUCE_PERCENTILE_99',
};

/** Charts align to one minute; counters over a window (`increase`) align to the window instead. */
const CHART_ALIGNMENT_SECONDS = 60;

export function legacyLabel(attribute: string): string {
  return `metric.label.${legacyCloudMonitoringLabel(attribute)}`;
}

export function legacyFilter(series: SeriesSpec): string {
  const clauses = [`metric.type=${JSON.stringify(legacyCloudMonitoringName(metricOf(series)))}`];
  for (const [attribute, value] of Object.entries(series.where ?? {})) {
    if (value === undefined) continue;
    const label = legacyLabel(attribute);
    clauses.push(typeof value === 'string' ? `${label}=${JSON.stringify(value)}` : `${label}=one_of(${value.map((item) => JSON.stringify(item)).join(', ')})`);
  }
  return clauses.join(' AND ');
}

/** True when a timeSeriesFilter can express the series (a histogram's sum needs PromQL). */
export function hasLegacyFilter(series: SeriesSpec): boolean {
  return series.aggregation !== 'histogram-sum-rate';
}

export function legacyQuery(series: SeriesSpec): LegacyQuery {
  const window = series.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  let period = CHART_ALIGNMENT_SECONDS;
  let aligner: string;
  let reducer: string;
  switch (series.aggregation) {
    case 'rate':
      [aligner, reducer] = ['ALIGN_RATE', 'REDUCE_SUM'];
      break;
    case 'increase':
      [aligner, reducer, period] = ['ALIGN_DELTA', 'REDUCE_SUM', window];
      break;
    case 'quantile': {
      const percentile = PERCENTILE_REDUCERS[String(series.quantile)];
      if (percentile === undefined) throw new Error(`No Cloud Monitoring reducer for quantile ${series.quantile} (use 0.5, 0.95 or 0.99)`);
      [aligner, reducer] = ['ALIGN_DELTA', percentile];
      break;
    }
    case 'sum':
      [aligner, reducer] = ['ALIGN_MEAN', 'REDUCE_SUM'];
      break;
    case 'mean':
      [aligner, reducer] = ['ALIGN_MEAN', 'REDUCE_MEAN'];
      break;
    case 'max':
      [aligner, reducer] = ['ALIGN_MAX', 'REDUCE_MAX'];
      break;
    case 'min':
      [aligner, reducer] = ['ALIGN_MIN', 'REDUCE_MIN'];
      break;
    case 'histogram-sum-rate':
      throw new Error(`${series.metric}: a histogram's sum has no timeSeriesFilter aligner; render it with PromQL`);
  }
  const aggregation: LegacyAggregation = { alignmentPeriod: `${period}s`, perSeriesAligner: aligner, crossSeriesReducer: reducer };
  if (series.by !== undefined && series.by.length > 0) aggregation.groupByFields = series.by.map(legacyLabel);
  return { filter: legacyFilter(series), aggregation };
}
