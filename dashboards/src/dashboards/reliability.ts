import { ATTRIBUTES as A } from '../../../packages/otel/src/metrics.ts';
import type { DashboardSpec } from '../spec.ts';

export const reliability: DashboardSpec = {
  id: 'reliability',
  displayName: 'gempool: reliability',
  summary: 'What is failing, and what is gempool doing about it? Open it during an incident: breakers, retries, 429s, errors, regions.',
  widgets: [
    {
      kind: 'line',
      title: 'Breaker state by endpoint',
      answers: 'Which endpoints (model | region | API version) have their breaker half-open (1) or open (2)?',
      series: [{ metric: 'breakerState', aggregation: 'max', by: [A.breakerEndpoint] }],
      unit: '{state}',
      yAxisLabel: '0 closed · 1 half-open · 2 open',
      thresholds: [{ value: 2, label: 'open', color: 'RED', direction: 'ABOVE' }],
    },
    {
      kind: 'stacked-bar',
      title: 'Retries by reason',
      answers: 'Why are calls being retried (429, RetryInfo, 5xx, 504, reset, GOAWAY, timeout)?',
      series: [{ metric: 'retries', aggregation: 'rate', by: [A.retryReason] }],
      unit: '{retry}/s',
      yAxisLabel: 'retries per second',
    },
    {
      kind: 'line',
      title: '429 rate',
      answers: 'How often does Gemini say "slow down"? Retried 429s are absorbed; calls that end in 429 reached the caller.',
      series: [
        { metric: 'retries', aggregation: 'rate', where: { [A.retryReason]: ['429', 'retry-info'] }, legend: 'retried' },
        { metric: 'requests', aggregation: 'rate', where: { [A.errorType]: '429' }, legend: 'failed with 429' },
      ],
      unit: '{request}/s',
      yAxisLabel: 'per second',
    },
    {
      kind: 'stacked-bar',
      title: 'Errors by model and type',
      answers: 'Which models fail, and how (status code or gempool error code)?',
      series: [{ metric: 'requests', aggregation: 'rate', where: { [A.outcome]: 'error' }, by: [A.requestModel, A.errorType] }],
      unit: '{request}/s',
      yAxisLabel: 'errors per second',
    },
    {
      kind: 'line',
      title: 'Region health',
      answers: 'Which regions does gempool currently judge healthy (1) or unhealthy (0)?',
      series: [{ metric: 'regionHealthy', aggregation: 'min', by: [A.region] }],
      unit: '{state}',
      yAxisLabel: '1 healthy · 0 unhealthy',
      thresholds: [{ value: 1, label: 'unhealthy', color: 'RED', direction: 'BELOW' }],
    },
    {
      kind: 'stacked-bar',
      title: 'Failovers',
      answers: 'When did traffic move between regions, and from where to where?',
      series: [{ metric: 'failovers', aggregation: 'increase', by: [A.failoverFrom, A.failoverTo], windowSeconds: 300 }],
      unit: '{failover}',
      yAxisLabel: 'failovers per 5 min',
    },
    {
      kind: 'stacked-bar',
      title: 'Calls rejected by open breakers',
      answers: 'How many calls did an open breaker turn away (or send to a fallback model)?',
      series: [{ metric: 'breakerRejections', aggregation: 'rate', by: [A.breakerEndpoint] }],
      unit: '{request}/s',
      yAxisLabel: 'rejections per second',
    },
  ],
};
