// How a registry name appears in each backend, so dashboards and alerts can be written against the
// registry instead of hand-mangled strings. Each mapping mirrors the exporter that produces it and
// is checked against that exporter in the tests (a real /metrics scrape; the legacy exporter's own
// transform).
import type { MetricDefinition } from './metrics.js';

/**
 * The series name `@opentelemetry/exporter-prometheus` writes: characters outside `[a-zA-Z0-9_]`
 * become `_` (runs collapsed), monotonic counters (synchronous or observable) get `_total`. No
 * unit suffix is added by the JS exporter. Histograms expose `<name>_bucket`, `<name>_sum` and `<name>_count`.
 */
export function prometheusName(metric: Pick<MetricDefinition, 'name' | 'kind'>): string {
  const base = prometheusLabel(metric.name);
  const monotonic = metric.kind === 'counter' || metric.kind === 'observable-counter';
  return monotonic && !base.endsWith('_total') ? `${base}_total` : base;
}

/** A label (attribute) name as Prometheus shows it: `gen_ai.request.model` → `gen_ai_request_model`. */
export function prometheusLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
}

export const LEGACY_METRIC_PREFIX = 'workload.googleapis.com';

/**
 * The metric type the deprecated `@google-cloud/opentelemetry-cloud-monitoring-exporter` writes:
 * `workload.googleapis.com/<name>` with the name's dots kept.
 */
export function legacyCloudMonitoringName(metric: Pick<MetricDefinition, 'name'>, prefix = LEGACY_METRIC_PREFIX): string {
  return `${prefix}/${metric.name}`;
}

/**
 * A label key as the legacy exporter writes it: anything not a letter, digit or `_` becomes `_`,
 * and a leading digit gets a `key_` prefix (`gen_ai.request.model` → `gen_ai_request_model`).
 */
export function legacyCloudMonitoringLabel(attribute: string): string {
  const sanitized = attribute.replace(/[^\p{Letter}\p{Decimal_Number}_]/gu, '_');
  return /^\p{Decimal_Number}/u.test(sanitized) ? `key_${sanitized}` : sanitized;
}
