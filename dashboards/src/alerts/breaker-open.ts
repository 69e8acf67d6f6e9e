import { ATTRIBUTES as A, METRICS } from '../../../packages/otel/src/metrics.ts';
import type { AlertSpec } from '../spec.ts';

export const breakerOpen: AlertSpec = {
  id: 'breaker-open',
  displayName: 'gempool: breaker open',
  severity: 'ERROR',
  combiner: 'OR',
  conditions: [
    {
      displayName: 'A breaker has been open for more than 1 minute',
      // 2 = open (0 closed, 1 half-open), per endpoint.
      promql: (q) => `max by (${q.label(A.breakerEndpoint)}) (${q.selector(METRICS.breakerState, '', {})}) >= 2`,
      legacy: {
        series: { metric: 'breakerState', aggregation: 'max', by: [A.breakerEndpoint] },
        comparison: 'COMPARISON_GT',
        threshold: 1.5,
      },
      forSeconds: 60,
    },
  ],
  autoCloseSeconds: 1800,
  runbook: `## Breaker open

**What fired:** the breaker for an endpoint (\`model|region|apiVersion\`) has been open for more
than a minute: over its window the endpoint failed more than 50 % of calls or its p99 latency
went above 5 s. Calls to it fail fast with \`BREAKER_OPEN\` or go to the tier's fallback model.

**What to do**
1. The endpoint is in the incident's \`${A.breakerEndpoint}\` label. Open *gempool: reliability*:
   *Errors by model and type* says whether it is errors (which status) or latency.
2. 429 / \`RESOURCE_EXHAUSTED\`: quota. Check per-day quota (fails fast by design), request a
   quota increase, or route the lane to another model or region.
3. 5xx / timeouts in one region: region failover should take over (see *Region health*);
   if only one region is configured, add another.
4. The breaker probes again after 30 s (half-open); the incident closes once it stays closed.
   Check the Gemini status page before changing thresholds.`,
};
