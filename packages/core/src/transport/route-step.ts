// Route: pick the connections an attempt goes to. By default the group's pool for the call's
// origin; region failover and per-model / API-version pools plug in through the router.
import type { Call } from '../call.js';
import type { Step } from '../pipeline.js';
import type { ConnectionPoolGroup } from './connection-pool-group.js';
import type { OriginPool } from './origin-pool.js';

export interface PoolRouter {
  /** The origin pool for this attempt (may rewrite call.origin, e.g. to another region). */
  resolve(call: Call): OriginPool;
  /** Told each attempt's outcome (a status, or the thrown error), e.g. for region health. */
  observe?(call: Call, status: number | undefined, error: unknown): void;
}

export function defaultRouter(group: ConnectionPoolGroup): PoolRouter {
  return { resolve: (call) => group.origin(call.origin) };
}

export function createRouteStep(router: PoolRouter): Step {
  const observe = router.observe?.bind(router);
  if (observe === undefined) {
    return (call, next) => {
      call.route = router.resolve(call);
      return next(call);
    };
  }
  return async (call, next) => {
    call.route = router.resolve(call);
    let response: Response;
    try {
      response = await next(call);
    } catch (error) {
      observe(call, undefined, error);
      throw error;
    }
    observe(call, response.status, undefined);
    return response;
  };
}
