// Route: pick the connections an attempt goes to. By default the group's pool for the call's
// origin; region failover and per-model / API-version pools plug in through the router.
import type { Call } from '../call.js';
import type { Step } from '../pipeline.js';
import type { ConnectionPoolGroup } from './connection-pool-group.js';
import type { OriginPool } from './origin-pool.js';

export interface PoolRouter {
  /** The origin pool for this attempt (may rewrite call.origin, e.g. to another region). */
  resolve(call: Call): OriginPool;
}

export function defaultRouter(group: ConnectionPoolGroup): PoolRouter {
  return { resolve: (call) => group.origin(call.origin) };
}

export function createRouteStep(router: PoolRouter): Step {
  return (call, next) => {
    call.route = router.resolve(call);
    return next(call);
  };
}
