// withGempool(model, pool): points a Google chat model instance at the pool, in place, and turns
// its own retries off while the pool retries (LangChain's AsyncCaller would otherwise multiply
// every attempt); with the pool's retries off (`pool.retryEnabled === false`) they are left alone. In place, because bindTools/withConfig wrappers share the instance and keep
// working. Idempotent per model.
import { ConfigError, type GeminiPool } from '@gempool/core';
import { routeApiClient, routeGlobalFetch, routeVertexClient, transportFor, type ModelTransport } from './model-transports.js';

const kGempool = Symbol.for('gempool.langchain.pool');

/** Any LangChain chat model object; checked by shape, not by class. */
export type ChatModelLike = object;

export function withGempool<M extends ChatModelLike>(model: M, pool: GeminiPool): M {
  assertPool(pool);
  const target = model as Record<string | symbol, any>;
  if (typeof model !== 'object' || model === null) throw new ConfigError('model', 'a LangChain chat model instance', model);
  const routed = target[kGempool] as Routed | undefined;
  if (routed?.pool === pool) return model;
  if (routed !== undefined) throw new ConfigError('model', 'a model not already routed through another gempool pool', model);
  let transport: ModelTransport | 'lazy' = 'lazy';
  if (isConfigurableModel(target)) {
    // initChatModel() models create the real model lazily: route each instance as it is created.
    const create = target['_getModelInstance'].bind(model) as (config?: unknown) => Promise<object>;
    target['_getModelInstance'] = async (config?: unknown) => withGempool(await create(config), pool);
  } else {
    const found = transportFor(target);
    if (found === undefined) {
      throw new ConfigError('model', 'a Google chat model (ChatGoogleGenerativeAI, ChatGoogle or ChatVertexAI)', model);
    }
    route(found, target, pool);
    transport = found;
    // While the pool retries (`pool.retryEnabled`), it owns retries: the model's own go off so
    // attempts never multiply. With the pool's retries off, the model's maxRetries is left as set.
    if (target['caller'] !== undefined && pool.retryEnabled !== false) target['caller'].maxRetries = 0;
  }
  Object.defineProperty(model, kGempool, { value: { pool, transport } satisfies Routed, enumerable: false });
  return model;
}

interface Routed {
  pool: GeminiPool;
  /** `lazy`: an initChatModel() model whose instances are routed when created. */
  transport: ModelTransport | 'lazy';
}

/** The route withGempool chose for a model, undefined when it was not routed (diagnostics, tests). */
export function gempoolTransportOf(model: ChatModelLike): ModelTransport | 'lazy' | undefined {
  return ((model as Record<symbol, unknown>)[kGempool] as Routed | undefined)?.transport;
}

function route(transport: ModelTransport, model: Record<string, any>, pool: GeminiPool): void {
  if (transport === 'api-client') routeApiClient(model, pool);
  else if (transport === 'vertex-client') routeVertexClient(model, pool);
  else routeGlobalFetch(pool);
}

export function isConfigurableModel(model: Record<string, any>): boolean {
  return typeof model['_getModelInstance'] === 'function' && typeof model['_defaultConfig'] === 'object';
}

export function assertPool(pool: unknown): asserts pool is GeminiPool {
  if (typeof pool !== 'object' || pool === null || typeof (pool as GeminiPool).fetch !== 'function') {
    throw new ConfigError('pool', 'a GeminiPool (from createGeminiPool)', pool);
  }
}
