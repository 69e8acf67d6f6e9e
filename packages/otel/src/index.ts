export * from './metrics.js';
export * from './metric-names.js';
