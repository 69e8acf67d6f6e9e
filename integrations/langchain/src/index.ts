export { gempoolMiddleware, contextFrom } from './gempool-middleware.js';
export type { GempoolMiddlewareOptions, GempoolModelCall } from './gempool-middleware.js';
export { withGempool, gempoolTransportOf } from './with-gempool.js';
export type { ChatModelLike } from './with-gempool.js';
export { uninstallGlobalRoute } from './model-transports.js';
export type { ModelTransport } from './model-transports.js';
export { gempoolErrorCode } from '@gempool/core';
