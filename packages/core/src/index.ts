export * from './errors.js';
export * from './clock.js';
export * from './context.js';
export * from './events.js';
export * from './options.js';
export { DEFAULTS } from './defaults.js';
export * from './gemini-url.js';
export * from './global-dispatcher.js';
