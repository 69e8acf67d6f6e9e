import { METRICS } from '../../../packages/otel/src/metrics.ts';
import { LEAK_LOG_FILTER } from '../leak-log-record.ts';
import type { AlertSpec } from '../spec.ts';

export const connectionLeak: AlertSpec = {
  id: 'connection-leak',
  displayName: 'gempool: connection leak detected',
  severity: 'WARNING',
  combiner: 'OR',
  conditions: [
    {
      displayName: 'Any leak detected in the last 10 minutes',
      promql: (q) => `sum(increase(${q.selector(METRICS.leaksDetected, '', {})}[10m])) > 0`,
      legacy: {
        series: { metric: 'leaksDetected', aggregation: 'increase', windowSeconds: 600 },
        comparison: 'COMPARISON_GT',
        threshold: 0,
      },
      forSeconds: 0,
    },
  ],
  autoCloseSeconds: 3600,
  runbook: `## Connection leak detected

**What fired:** a caller held a connection slot past the leak timeout (default 30 s) without
reading the response body. gempool force-returned the slot (unless \`leakTimeoutMs\` is 0) and
logged the stack of the call that leaked.

**Impact:** each leak costs one slot for the leak timeout; repeated leaks shrink the usable pool
and show up as rising slot wait time and pending requests.

**What to do**
1. Open Logs Explorer with \`${LEAK_LOG_FILTER}\` (or the *gempool: connection leaks*
   dashboard). Each record has \`model\`, \`method\`, \`heldMs\` and \`stack\`.
2. The top frames of \`stack\` outside gempool are the code that made the call. Look for a
   response whose body is never consumed (a \`fetch\` whose \`.json()\`/\`.text()\` is skipped on an
   early return, an abandoned stream iterator, a missing \`controller.abort()\`).
3. If a record with \`event="gempool.leak.returned_late"\` follows, the holder was slow rather
   than lost: consider raising \`leakTimeoutMs\` for long streams instead of fixing code.
4. The alert closes by itself after an hour without leaks.`,
};
