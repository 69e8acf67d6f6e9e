export { startProxy, type RunningProxy, type ProxyState, type DrainResult } from './start-proxy.js';
export { validateProxyOptions, FIELD_NAMES, type ProxyOptions, type ProxyUpstreamOptions, type AccessTokenSource, type OptionNames } from './proxy-options.js';
export { parseProxyArgs, parseDuration, FLAG_NAMES, PROXY_USAGE, type ParsedProxyArgs, type ParseEnvironment } from './parse-proxy-args.js';
export { drainOnSignals, type SignalSource, type DrainOnSignalsOptions } from './drain-on-signals.js';
export { PROXY_PATHS, PROXY_DEFAULTS, PROXY_ENV } from './proxy-defaults.js';
export type { ProxyPool } from './proxy-pool.js';
