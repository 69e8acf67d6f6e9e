import { METRICS } from '../../../packages/otel/src/metrics.ts';
import type { AlertSpec } from '../spec.ts';

export const poolExhaustion: AlertSpec = {
  id: 'pool-exhaustion',
  displayName: 'gempool: pool exhausted',
  severity: 'CRITICAL',
  combiner: 'AND',
  conditions: [
    {
      displayName: 'Requests waiting for a connection slot for 5 minutes',
      promql: (q) => `sum(${q.selector(METRICS.pendingRequests, '', {})}) > 0`,
      legacy: { series: { metric: 'pendingRequests', aggregation: 'sum' }, comparison: 'COMPARISON_GT', threshold: 0 },
      forSeconds: 300,
    },
    {
      displayName: 'Pool utilisation above 95 % for 5 minutes',
      promql: (q) => `max(${q.selector(METRICS.utilization, '', {})}) > 0.95`,
      legacy: { series: { metric: 'utilization', aggregation: 'max' }, comparison: 'COMPARISON_GT', threshold: 0.95 },
      forSeconds: 300,
    },
  ],
  autoCloseSeconds: 1800,
  runbook: `## Pool exhausted

**What fired:** for 5 minutes requests have been waiting for a connection slot while the pool
runs above 95 % utilisation. Calls are queueing; expect queue timeouts (\`QUEUE_TIMEOUT\`) and
\`QUEUE_FULL\` errors next.

**What to do**
1. Open *gempool: pool health*. If *Available connections trend* falls while traffic is flat,
   it is a leak: go to *gempool: connection leaks* and fix the caller.
2. If *Connection creation rate* is high, connections are churning (GOAWAY, idle timeout,
   errors): check *gempool: reliability*.
3. If traffic simply grew: raise \`maxConnections\` (or the autoscale \`ceiling\`), or shed
   low-priority lanes (lower their \`maxQueue\`). Check *Slot wait time p95* falls afterwards.
4. If upstream got slower (*Call duration p99* up), slots are held longer: the breaker and
   region failover should react; consider a lower \`deadlineMs\` for batch lanes.`,
};
