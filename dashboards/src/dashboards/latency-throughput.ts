import { ATTRIBUTES as A } from '../../../packages/otel/src/metrics.ts';
import type { DashboardSpec } from '../spec.ts';

export const latencyThroughput: DashboardSpec = {
  id: 'latency-throughput',
  displayName: 'gempool: latency and throughput',
  summary: 'How fast are Gemini calls and how many are we making? Open it when users report slowness or to size quotas.',
  widgets: [
    {
      kind: 'line',
      title: 'Call duration p50 / p95 / p99 by model',
      answers: 'How long does a whole call take (queueing, retries and body included), per model? p99 above 5 s trips the latency breaker.',
      series: [0.5, 0.95, 0.99].map((quantile) => ({
        metric: 'operationDuration' as const,
        aggregation: 'quantile' as const,
        quantile,
        by: [A.requestModel],
        legend: `p${quantile * 100}`,
      })),
      unit: 's',
      yAxisLabel: 'seconds',
      thresholds: [{ value: 5, label: 'breaker latency threshold (5 s)', color: 'RED', direction: 'ABOVE' }],
    },
    {
      kind: 'stacked-area',
      title: 'Requests per second by lane and outcome',
      answers: 'How much traffic does each lane carry, and how much of it fails?',
      series: [{ metric: 'requests', aggregation: 'rate', by: [A.lane, A.outcome] }],
      unit: '{request}/s',
      yAxisLabel: 'requests per second',
    },
    {
      kind: 'line',
      title: 'Lane wait time p95',
      answers: 'How long do calls wait for admission in each lane? Low-priority lanes waiting longer is expected; the top lane waiting is not.',
      series: [{ metric: 'laneWaitTime', aggregation: 'quantile', quantile: 0.95, by: [A.lane] }],
      unit: 's',
      yAxisLabel: 'seconds',
    },
    {
      kind: 'stacked-area',
      title: 'Calls waiting in each lane',
      answers: 'Which lanes are backed up right now?',
      series: [{ metric: 'laneQueueDepth', aggregation: 'sum', by: [A.lane] }],
      unit: '{request}',
      yAxisLabel: 'calls waiting',
    },
  ],
};
