// Routing and scaling: regions, API-version split, per-model pools, autoscaling. Only re-exports.
export { createRouting, type Routing, type RoutingLimits } from './create-routing.js';
export { Autoscaler, type ScalableGroup, type ScaledGroupStats } from './autoscaler.js';
export { PoolGroups, type GroupLimits } from './pool-groups.js';
export { RegionHealth, type RegionStats } from './region-health.js';
export { RegionRouter } from './region-router.js';
export { TrafficSplit, splitPoint } from './traffic-split.js';
export { ModelPoolMatcher } from './model-pool-matcher.js';
export { resolveRoutingOptions, validateTrafficSplit, type ResolvedRouting, type ResolvedAutoscale, type ResolvedModelPool, type ResolvedRegionHealth } from './validate-routing-options.js';
