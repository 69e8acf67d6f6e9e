import { METRICS } from '../../../packages/otel/src/metrics.ts';
import type { AlertSpec } from '../spec.ts';

export const sharedStateDisconnected: AlertSpec = {
  id: 'shared-state-disconnected',
  displayName: 'gempool: shared state disconnected',
  severity: 'WARNING',
  combiner: 'OR',
  conditions: [
    {
      displayName: 'A pod has been without its Redis shared state for more than 5 minutes',
      // 1 connected, 0 disconnected; only pools configured with sharedState report it. Per pod
      // (`instance`), so the incident names the pods that are cut off.
      promql: (q) => `min by (${q.label('instance')}) (${q.selector(METRICS.sharedStateConnected, '', {})}) < 1`,
      legacy: {
        series: { metric: 'sharedStateConnected', aggregation: 'min' },
        comparison: 'COMPARISON_LT',
        threshold: 0.5,
      },
      forSeconds: 300,
    },
  ],
  autoCloseSeconds: 1800,
  runbook: `## Shared state disconnected

**What fired:** at least one gempool instance has not reached its Redis (Memorystore) shared state
for more than 5 minutes (\`gempool.shared_state.connected\` = 0).

**What it means:** calls still work — Redis failure never stops a call — but the fleet is now
limited **per pod only**. Each cut-off pod enforces its share of every model's quota
(quota ÷ last known fleet size) and its own breakers: a 429 pause or an open breaker seen by one
pod no longer protects the others, and if the fleet was scaled up since the last sync the pods
together may exceed the project quota (expect more 429s). *Shared-state fallbacks* on
*gempool: reliability* counts the decisions made locally.

**What to check**
1. Memorystore: \`gcloud redis instances describe INSTANCE --region=REGION\` — \`state\` must be
   \`READY\` (not \`MAINTENANCE\`, \`UPDATING\` or \`FAILING_OVER\`); look at the instance's
   *Monitoring* tab (connected clients, memory usage, CPU) and Cloud Logging for maintenance events.
2. Network: the pods reach the instance's private IP through the same VPC (GKE) or the
   Serverless VPC Access connector / Direct VPC egress (Cloud Run). A connector at its
   throughput limit or a firewall change shows up as timeouts.
3. Auth and TLS: an AUTH string rotated in Secret Manager but not in the pods, or
   in-transit encryption without the server CA (\`NODE_EXTRA_CA_CERTS\`), fails every connect.
   \`pool.stats().sharedState.lastError\` (and the \`shared-state\` event's \`reason\`) says why.
4. Only some pods: those pods' node or connector, or a pod restarted with a wrong
   \`GEMPOOL_REDIS_URL\`.

**What to do**
- Fix the cause above; pods reconnect on their own (reconnects count up), re-publish their open
  breakers and return to the shared buckets. The incident closes once every pod reports 1.
- If Redis stays down and 429s climb, lower per-pod traffic (fewer replicas or lower lane
  limits) until it is back; do not remove \`sharedState\` in a hurry — it changes nothing while
  Redis is down.`,
};
