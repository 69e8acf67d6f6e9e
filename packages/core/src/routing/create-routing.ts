// Wires routing and scaling into a pool: the `place` step (API-version split, region placement,
// moving on when a region's breaker refuses the call), the route step's router (region per
// attempt, connection group per model pool / API version), the retry step's hooks (per-day-quota
// failover; region failovers exempt from the retry budget), the autoscaler, and the `regions` / `trafficSplit` / `pools` / `autoscale`
// sections of stats(). Features that are not configured add nothing to the call path.
import type { Call } from '../call.js';
import { ConfigError } from '../errors.js';
import type { Step, StepContext } from '../pipeline.js';
import type { RetryStepHooks } from '../policies/retry-step.js';
import type { GroupSettings } from '../transport/connection-pool-group.js';
import type { OriginPool } from '../transport/origin-pool.js';
import type { PoolRouter } from '../transport/route-step.js';
import { Autoscaler } from './autoscaler.js';
import { PoolGroups } from './pool-groups.js';
import { RegionHealth } from './region-health.js';
import { RegionRouter } from './region-router.js';
import { TrafficSplit } from './traffic-split.js';
import { resolveRoutingOptions, validateTrafficSplit, type ResolvedRouting } from './validate-routing-options.js';

export interface RoutingLimits {
  minConnections: number;
  maxConnections: number;
  /** The transport's origins (already defaulted). */
  origins: readonly string[];
}

export interface Routing {
  readonly config: ResolvedRouting;
  /** Runs before the breaker; undefined when there is no split and no regions. */
  readonly placeStep: Step | undefined;
  readonly retryHooks: RetryStepHooks;
  /** Builds the pool's connection groups (and puts them under the autoscaler). */
  createGroups(base: GroupSettings): PoolGroups;
  router(groups: PoolGroups): PoolRouter;
  setTrafficSplit(split: Record<string, number>): void;
  close(): void;
}

export function createRouting(context: StepContext, limits: RoutingLimits): Routing {
  const { emitter, clock, stats } = context;
  const config = resolveRoutingOptions(context.options, limits.minConnections, limits.maxConnections);
  const split = config.apiVersions === undefined ? undefined : new TrafficSplit(config.apiVersions);
  let health: RegionHealth | undefined;
  let regions: RegionRouter | undefined;
  if (config.regions.length > 0) {
    health = new RegionHealth(config.regions, config.regionHealth, clock, emitter);
    regions = new RegionRouter(health, config.regionOrigins, config.regionHealth.quotaCooldownMs, emitter);
    const regionHealth = health;
    // "A region is unhealthy when its breaker opens": for that model, until the breaker half-opens.
    emitter.on('breaker-state', (event) => {
      if (!regionHealth.has(event.region)) return;
      if (event.to === 'open') regionHealth.markModel(event.region!, event.model, `breaker open (${event.reason})`);
      else if (event.from === 'open') regionHealth.clearModel(event.region!, event.model, `breaker ${event.to}`);
    });
    stats.register('regions', () => regionHealth.stats());
  }
  if (split !== undefined) stats.register('trafficSplit', () => split.stats());
  const autoscaler = config.autoscale === undefined ? undefined : new Autoscaler(config.autoscale, clock, emitter);

  return {
    config,
    placeStep: createPlaceStep(split, regions),
    retryHooks: {
      failover: (call) => regions?.failoverOnQuota(call) ?? false,
      movedToHealthyRegion: health === undefined ? undefined : budgetFreeFailover(health),
    },
    createGroups(base) {
      // With regions and no explicit origins, the region origins are the ones worth warming.
      const origins = context.options.origins === undefined && config.regions.length > 0 ? [] : [...limits.origins];
      for (const origin of config.regionOrigins.values()) if (!origins.includes(origin)) origins.push(origin);
      const versions = config.apiVersions === undefined ? [] : Object.keys(config.apiVersions);
      const groups = new PoolGroups(base, origins, versions, config.pools, config.autoscale?.ceiling ?? limits.maxConnections);
      stats.register('pools', () => groups.stats());
      if (autoscaler !== undefined) {
        for (const { group, minConnections, ceiling } of groups.all) autoscaler.add(group, minConnections, ceiling);
        autoscaler.start();
      }
      stats.register('autoscale', () => (autoscaler === undefined ? { enabled: false } : { enabled: true, pools: autoscaler.stats() }));
      return groups;
    },
    router(groups) {
      if (regions === undefined && groups.single) return { resolve: (call) => groups.default.origin(call.origin) };
      const regionRouter = regions;
      const resolve = (call: Call): OriginPool => {
        if (regionRouter !== undefined && regionRouter.routes(call)) regionRouter.assign(call);
        return groups.groupFor(call).origin(call.origin);
      };
      if (regionRouter === undefined) return { resolve };
      return { resolve, observe: (call, status, error) => regionRouter.observe(call, status, error) };
    },
    setTrafficSplit(next) {
      if (split === undefined) throw new ConfigError('apiVersions', 'set at construction before `setTrafficSplit` can change it', undefined);
      const validated = validateTrafficSplit('setTrafficSplit', next);
      for (const version of Object.keys(validated)) {
        if (!(version in config.apiVersions!)) throw new ConfigError(`setTrafficSplit.${version}`, `one of the versions given at construction (${Object.keys(config.apiVersions!).join(', ')})`, version);
      }
      split.set({ ...Object.fromEntries(Object.keys(config.apiVersions!).map((version) => [version, 0])), ...validated });
    },
    close: () => autoscaler?.stop(),
  };
}

/**
 * The retry step's budget exemption: a retry is free when the failed attempt moved the call to a
 * region that is healthy for its model and that this call has not been in yet. Remembering the
 * regions each call left means a call bouncing back to a region it already failed in pays again.
 */
function budgetFreeFailover(health: RegionHealth): (call: Call, fromRegion: string | undefined) => boolean {
  const left = new WeakMap<Call, Set<string>>();
  return (call, fromRegion) => {
    const to = call.region;
    if (fromRegion === undefined || to === undefined || to === fromRegion || !health.has(fromRegion)) return false;
    let seen = left.get(call);
    if (seen === undefined) left.set(call, (seen = new Set()));
    seen.add(fromRegion);
    return !seen.has(to) && health.usable(to, call.target.model);
  };
}

/**
 * Before the breaker, so the breaker judges the endpoint the call really goes to: picks the API
 * version and the region; when the region's breaker refuses the call (open, or half-open with
 * every probe taken), the call moves to the next region instead of failing fast.
 */
function createPlaceStep(split: TrafficSplit | undefined, regions: RegionRouter | undefined): Step | undefined {
  if (split === undefined && regions === undefined) return undefined;
  return async (call, next) => {
    split?.apply(call);
    if (regions === undefined || !regions.routes(call)) return next(call);
    regions.assign(call);
    try {
      for (;;) {
        try {
          return await next(call);
        } catch (error) {
          if (!regions.moveAfterBreakerOpen(error, call)) throw error;
        }
      }
    } finally {
      // A call that probed a region and ended before the route step saw an outcome (queue
      // timeout, quota wait, abort) must not hold that region's probe.
      regions.settle(call);
    }
  };
}
