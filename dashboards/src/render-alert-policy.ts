// An AlertSpec as google.monitoring.v3.AlertPolicy JSON: a PromQL condition per condition on the
// current path, a conditionThreshold over the workload.googleapis.com metric on the legacy path.
// The runbook travels as the policy's markdown documentation, so it is in every notification.
import { legacyQuery } from './legacy-filter.ts';
import { cloudNaming } from './promql.ts';
import { GEMPOOL_ID_LABEL, type MetricPath } from './render-cloud-dashboard.ts';
import type { AlertConditionSpec, AlertSpec } from './spec.ts';

function condition(spec: AlertConditionSpec, alert: AlertSpec, path: MetricPath): Record<string, unknown> {
  const duration = `${spec.forSeconds}s`;
  if (path === 'current') {
    return {
      displayName: spec.displayName,
      conditionPrometheusQueryLanguage: {
        query: spec.promql(cloudNaming),
        duration,
        evaluationInterval: '60s',
        alertRule: alert.id.replace(/-/g, '_'),
        ruleGroup: 'gempool',
      },
    };
  }
  const numerator = legacyQuery(spec.legacy.series);
  const threshold: Record<string, unknown> = {
    filter: numerator.filter,
    aggregations: [numerator.aggregation],
    comparison: spec.legacy.comparison,
    thresholdValue: spec.legacy.threshold,
    duration,
    trigger: { count: 1 },
  };
  if (spec.legacy.denominator !== undefined) {
    const denominator = legacyQuery(spec.legacy.denominator);
    threshold.denominatorFilter = denominator.filter;
    threshold.denominatorAggregations = [denominator.aggregation];
  }
  return { displayName: spec.displayName, conditionThreshold: threshold };
}

export function renderAlertPolicy(spec: AlertSpec, path: MetricPath): Record<string, unknown> {
  return {
    displayName: spec.displayName,
    documentation: { content: spec.runbook, mimeType: 'text/markdown', subject: `[gempool] ${spec.displayName.replace(/^gempool: /, '')}` },
    userLabels: { [GEMPOOL_ID_LABEL]: spec.id },
    conditions: spec.conditions.map((item) => condition(item, spec, path)),
    combiner: spec.combiner,
    enabled: true,
    alertStrategy: { autoClose: `${spec.autoCloseSeconds}s` },
    severity: spec.severity,
  };
}
