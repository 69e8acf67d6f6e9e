// Every dashboard and alert gempool ships, in display order.
import { breakerOpen } from './alerts/breaker-open.ts';
import { connectionLeak } from './alerts/connection-leak.ts';
import { highLatency } from './alerts/high-latency.ts';
import { poolExhaustion } from './alerts/pool-exhaustion.ts';
import { rateLimited } from './alerts/rate-limited.ts';
import { sharedStateDisconnected } from './alerts/shared-state-disconnected.ts';
import { cost } from './dashboards/cost.ts';
import { latencyThroughput } from './dashboards/latency-throughput.ts';
import { leaks } from './dashboards/leaks.ts';
import { poolHealth } from './dashboards/pool-health.ts';
import { reliability } from './dashboards/reliability.ts';
import type { AlertSpec, DashboardSpec } from './spec.ts';

export const DASHBOARDS: readonly DashboardSpec[] = [poolHealth, latencyThroughput, reliability, cost, leaks];
export const ALERTS: readonly AlertSpec[] = [connectionLeak, poolExhaustion, breakerOpen, rateLimited, highLatency, sharedStateDisconnected];
