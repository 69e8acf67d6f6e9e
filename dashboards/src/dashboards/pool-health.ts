import { ATTRIBUTES as A } from '../../../packages/otel/src/metrics.ts';
import type { DashboardSpec } from '../spec.ts';

export const poolHealth: DashboardSpec = {
  id: 'pool-health',
  displayName: 'gempool: pool health',
  summary: 'Is the connection pool sized right and healthy? Open it when latency rises, when calls queue, or before changing min/max connections.',
  widgets: [
    {
      kind: 'stacked-area',
      title: 'Connections: idle and used',
      answers: 'How many connections are open, and how many are busy? Used close to the total means the pool is the bottleneck.',
      series: [{ metric: 'connectionCount', aggregation: 'sum', by: [A.connectionState] }],
      unit: '{connection}',
      yAxisLabel: 'connections',
    },
    {
      kind: 'line',
      title: 'Utilisation vs autoscale lines',
      answers: 'How full is the pool compared with the autoscaler\'s lines? Above 80 % for a minute grows the maximum by 20 %; below 30 % for five minutes shrinks it by 10 %.',
      series: [
        { metric: 'utilization', aggregation: 'max', legend: 'busiest instance' },
        { metric: 'utilization', aggregation: 'mean', legend: 'fleet mean' },
      ],
      unit: '1',
      yAxisLabel: 'utilisation (0..1)',
      thresholds: [
        { value: 0.8, label: 'scale up (80 %)', color: 'RED', direction: 'ABOVE' },
        { value: 0.3, label: 'scale down (30 %)', color: 'YELLOW', direction: 'BELOW' },
      ],
    },
    {
      kind: 'line',
      title: 'Slot wait time p50 / p95',
      answers: 'How long do requests wait for a connection slot? A rising p95 with flat traffic means slots are held too long (slow bodies or leaks).',
      series: [
        { metric: 'connectionWaitTime', aggregation: 'quantile', quantile: 0.5, legend: 'p50' },
        { metric: 'connectionWaitTime', aggregation: 'quantile', quantile: 0.95, legend: 'p95' },
      ],
      unit: 's',
      yAxisLabel: 'seconds',
    },
    {
      kind: 'line',
      title: 'Requests waiting for a slot',
      answers: 'Are calls queueing for connections? Sustained non-zero with utilisation near 100 % is pool exhaustion.',
      series: [{ metric: 'pendingRequests', aggregation: 'sum' }],
      unit: '{request}',
      yAxisLabel: 'requests',
    },
    {
      kind: 'stacked-bar',
      title: 'Connection creation rate',
      answers: 'How often does the pool open connections? Steady churn after warm-up means connections are dropped (idle timeout, errors, GOAWAY) and re-opened.',
      series: [{ metric: 'connectionsCreated', aggregation: 'rate', by: [A.serverAddress] }],
      unit: '{connection}/s',
      yAxisLabel: 'connections per second',
    },
    {
      kind: 'line',
      title: 'Available connections trend',
      answers: 'Are idle connections draining away? A steady downward trend while traffic is flat means leases are not returned: a leak (check the Leaks dashboard).',
      series: [{ metric: 'connectionCount', aggregation: 'sum', where: { [A.connectionState]: 'idle' }, legend: 'idle' }],
      unit: '{connection}',
      yAxisLabel: 'idle connections',
    },
  ],
};
