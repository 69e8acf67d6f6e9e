import { ATTRIBUTES as A, METRICS } from '../../../packages/otel/src/metrics.ts';
import type { AlertSpec } from '../spec.ts';

const RATE_LIMITED_REASONS = ['429', 'retry-info'] as const;

export const rateLimited: AlertSpec = {
  id: 'rate-limited',
  displayName: 'gempool: 429 rate above 10 %',
  severity: 'WARNING',
  combiner: 'OR',
  conditions: [
    {
      displayName: '429 retries above 10 % of calls for 5 minutes',
      promql: (q) =>
        `sum(rate(${q.selector(METRICS.retries, '', { [A.retryReason]: RATE_LIMITED_REASONS })}[5m])) / sum(rate(${q.selector(METRICS.requests, '', {})}[5m])) > 0.1`,
      legacy: {
        series: { metric: 'retries', aggregation: 'rate', where: { [A.retryReason]: RATE_LIMITED_REASONS } },
        denominator: { metric: 'requests', aggregation: 'rate' },
        comparison: 'COMPARISON_GT',
        threshold: 0.1,
      },
      forSeconds: 300,
    },
  ],
  autoCloseSeconds: 1800,
  runbook: `## 429 rate above 10 %

**What fired:** for 5 minutes more than one call in ten got \`429 RESOURCE_EXHAUSTED\` and was
retried. gempool backs off (1 s → 32 s with jitter, or the server's RetryInfo delay), so most
calls still succeed, but slower, and the retry budget is being spent.

**What to do**
1. Open *gempool: reliability* → *429 rate* and *Retries by reason*: is it all models or one?
2. Per-minute quota (RPM/TPM): lower concurrency for batch lanes, enable coalescing, or spread
   load over regions / projects. Per-day quota errors fail fast and show up as errors instead.
3. Ask for a quota increase if the traffic is expected.
4. If *failed with 429* also rises, callers are seeing errors: page the owning team.`,
};
