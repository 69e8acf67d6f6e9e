import { ATTRIBUTES as A, METRICS } from '../../../packages/otel/src/metrics.ts';
import type { AlertSpec } from '../spec.ts';

export const highLatency: AlertSpec = {
  id: 'high-latency',
  displayName: 'gempool: p99 latency above 5 s',
  severity: 'WARNING',
  combiner: 'OR',
  conditions: [
    {
      displayName: 'Call duration p99 above 5 s for 5 minutes (per model)',
      promql: (q) =>
        `histogram_quantile(0.99, sum by (le, ${q.label(A.requestModel)}) (rate(${q.selector(METRICS.operationDuration, '_bucket', {})}[5m]))) > 5`,
      legacy: {
        series: { metric: 'operationDuration', aggregation: 'quantile', quantile: 0.99, by: [A.requestModel] },
        comparison: 'COMPARISON_GT',
        threshold: 5,
      },
      forSeconds: 300,
    },
  ],
  autoCloseSeconds: 1800,
  runbook: `## p99 latency above 5 s

**What fired:** for 5 minutes the slowest 1 % of calls to a model (the incident's
\`${A.requestModel}\` label) took longer than 5 s end to end: slot wait, lane queueing, retries
and the response body included.

**What to do**
1. Open *gempool: latency and throughput*. Is it one model or all of them?
2. Open *gempool: pool health*: if *Slot wait time p95* is up, the time is spent waiting for a
   connection (see the pool-exhaustion runbook). If *Lane wait time* is up, lanes are queueing.
3. If only upstream time is up, check *gempool: reliability* for retries (each retry adds its
   backoff) and region health; the latency breaker opens at p99 > 5 s over 10 s windows.
4. Long streamed responses are slow by nature: if the model is used for long generations,
   consider a separate lane and a higher threshold for it.`,
};
