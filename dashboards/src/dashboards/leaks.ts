import { ATTRIBUTES as A } from '../../../packages/otel/src/metrics.ts';
import { LEAK_LOG_FILTER } from '../leak-log-record.ts';
import type { DashboardSpec } from '../spec.ts';

export const leaks: DashboardSpec = {
  id: 'leaks',
  displayName: 'gempool: connection leaks',
  summary: 'Is application code holding connection slots without reading the response? Every leak record carries the stack of the call that leaked.',
  widgets: [
    {
      kind: 'stacked-bar',
      title: 'Leaks detected and force-returned',
      answers: 'How many leases were held past the leak timeout, how many slots gempool took back, and how many holders returned late?',
      series: [
        { metric: 'leaksDetected', aggregation: 'increase', by: [A.requestModel], windowSeconds: 300, legend: 'detected' },
        { metric: 'leaksForceReturned', aggregation: 'increase', by: [A.requestModel], windowSeconds: 300, legend: 'force-returned' },
        { metric: 'leaksReturnedLate', aggregation: 'increase', by: [A.requestModel], windowSeconds: 300, legend: 'returned late' },
      ],
      unit: '{lease}',
      yAxisLabel: 'leases per 5 min',
    },
    {
      kind: 'logs',
      title: 'Leak records (with stacks)',
      answers: 'Which code leaked? Each record has the model, method, how long the lease was held and the stack captured when the call was made.',
      filter: LEAK_LOG_FILTER,
    },
  ],
};
