// Reads back, from the generated JSON, every metric and label a query references, and maps each to
// the registry, so the check covers what the renderers actually wrote rather than what the specs
// meant. Anything that does not map back is reported as a string for the test to show.
import { METRIC_LIST, type MetricDefinition } from '../../../packages/otel/src/metrics.ts';
import { LEGACY_METRIC_PREFIX, legacyCloudMonitoringLabel, prometheusLabel, prometheusName } from '../../../packages/otel/src/metric-names.ts';

const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'avg', 'rate', 'increase', 'histogram_quantile', 'label_replace', 'by', 'on', 'and', 'or']);
/** Labels PromQL or our renderers add that are not metric attributes. */
const NON_ATTRIBUTE_LABELS = new Set(['le', 'instance', 'series']);
const HISTOGRAM_PARTS = ['_bucket', '_sum', '_count'];

export interface References {
  metrics: MetricDefinition[];
  problems: string[];
}

function byName(name: string, naming: (metric: MetricDefinition) => string): MetricDefinition | undefined {
  for (const metric of METRIC_LIST) {
    const base = naming(metric);
    if (name === base) return metric;
    if (metric.kind === 'histogram' && HISTOGRAM_PARTS.some((part) => name === `${base}${part}`)) return metric;
  }
  return undefined;
}

function checkLabels(labels: string[], metrics: MetricDefinition[], labelNaming: (attribute: string) => string, problems: string[], where: string): void {
  const allowed = new Set(metrics.flatMap((metric) => metric.attributes.map(labelNaming)));
  for (const label of labels) {
    if (!NON_ATTRIBUTE_LABELS.has(label) && !allowed.has(label)) problems.push(`${where}: label ${label} is not an attribute of ${metrics.map((metric) => metric.name).join(', ')}`);
  }
}

const unquote = (text: string) => text.trim().replace(/^"(.*)"$/, '$1');

function promQlLabels(expression: string): string[] {
  const labels: string[] = [];
  for (const match of expression.matchAll(/by \(([^)]*)\)/g)) labels.push(...match[1]!.split(',').map(unquote));
  for (const match of expression.matchAll(/[{,]\s*("[^"]+"|[a-zA-Z_][a-zA-Z0-9_]*)\s*=~?\s*"/g)) labels.push(unquote(match[1]!));
  return labels;
}

/** PromQL as written for Cloud Monitoring: UTF-8 selectors `{"name", "label"="v"}`. */
export function cloudPromQlReferences(expression: string, where: string): References {
  const problems: string[] = [];
  const metrics: MetricDefinition[] = [];
  const legacy = expression.includes(`{"${LEGACY_METRIC_PREFIX}/`);
  for (const match of expression.matchAll(/\{"([^"]+)"/g)) {
    const metric = byName(match[1]!, (item) => (legacy ? `${LEGACY_METRIC_PREFIX}/${item.name}` : item.name));
    if (metric === undefined) problems.push(`${where}: ${match[1]} is not a gempool metric`);
    else metrics.push(metric);
  }
  if (metrics.length === 0) problems.push(`${where}: no metric in ${expression}`);
  checkLabels(promQlLabels(expression), metrics, legacy ? legacyCloudMonitoringLabel : (attribute) => attribute, problems, where);
  return { metrics, problems };
}

/** PromQL over the Prometheus exporter's names (Grafana). */
export function prometheusReferences(expression: string, where: string): References {
  const problems: string[] = [];
  const metrics: MetricDefinition[] = [];
  const labels = promQlLabels(expression);
  const bare = expression.replace(/by \([^)]*\)/g, ' ').replace(/\{[^}]*\}/g, ' ').replace(/"[^"]*"/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  for (const match of bare.matchAll(/[a-zA-Z_][a-zA-Z0-9_]*/g)) {
    if (PROMQL_WORDS.has(match[0])) continue;
    const metric = byName(match[0], prometheusName);
    if (metric === undefined) problems.push(`${where}: ${match[0]} is not a series the Prometheus exporter writes`);
    else metrics.push(metric);
  }
  if (metrics.length === 0) problems.push(`${where}: no metric in ${expression}`);
  checkLabels(labels, metrics, prometheusLabel, problems, where);
  return { metrics, problems };
}

/** A Monitoring filter plus group-by fields over workload.googleapis.com metrics (legacy path). */
export function legacyFilterReferences(filter: string, groupByFields: readonly string[], where: string): References {
  const problems: string[] = [];
  const metrics: MetricDefinition[] = [];
  for (const match of filter.matchAll(/metric\.type="([^"]+)"/g)) {
    const metric = byName(match[1]!, (item) => `${LEGACY_METRIC_PREFIX}/${item.name}`);
    if (metric === undefined) problems.push(`${where}: ${match[1]} is not a gempool metric`);
    else metrics.push(metric);
  }
  if (metrics.length === 0) problems.push(`${where}: no metric.type in ${filter}`);
  const labels = [...filter.matchAll(/metric\.label\.([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
  labels.push(...groupByFields.map((field) => field.replace(/^metric\.label\./, '')));
  checkLabels(labels, metrics, legacyCloudMonitoringLabel, problems, where);
  return { metrics, problems };
}

/** Every string under `key` anywhere in `value`, with its JSON path. */
export function collect(value: unknown, key: string, path = '$'): Array<{ path: string; value: unknown; parent: Record<string, unknown> }> {
  if (typeof value !== 'object' || value === null) return [];
  const found: Array<{ path: string; value: unknown; parent: Record<string, unknown> }> = [];
  for (const [name, item] of Object.entries(value)) {
    const itemPath = Array.isArray(value) ? `${path}[${name}]` : `${path}.${name}`;
    if (name === key) found.push({ path: itemPath, value: item, parent: value as Record<string, unknown> });
    found.push(...collect(item, key, itemPath));
  }
  return found;
}
