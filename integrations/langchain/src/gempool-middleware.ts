// gempoolMiddleware({ pool, context? }): one entry in createAgent({ middleware }) sends every model
// call of the agent through the pool. Inside wrapModelCall it routes the request's model (resolving
// initChatModel()/"provider:model" strings to their real instance first) and runs the call inside
// runWithContext, so priority/lane/tenant/deadline reach the transport through AsyncLocalStorage.
import { ConfigError, runWithContext, type CallContext, type GeminiPool } from '@gempool/core';
import { createMiddleware } from 'langchain';
import { assertPool, isConfigurableModel, withGempool } from './with-gempool.js';

/** What a `context` function sees of a model call. */
export interface GempoolModelCall {
  /** The agent's runtime context (`agent.invoke(input, { context })`). */
  runtimeContext: unknown;
  /** The conversation so far. */
  messages: readonly unknown[];
}

export interface GempoolMiddlewareOptions {
  pool: GeminiPool;
  /**
   * Per-call context for the transport. By default `priority`, `lane`, `tenant`, `deadlineMs` and
   * `coalesce` are read from the agent's runtime context; what this returns is merged over them.
   */
  context?: (call: GempoolModelCall) => CallContext | undefined;
}

export function gempoolMiddleware(options: GempoolMiddlewareOptions) {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object with a `pool`', options);
  const { pool, context } = options;
  assertPool(pool);
  if (context !== undefined && typeof context !== 'function') throw new ConfigError('context', 'a function returning a CallContext', context);
  return createMiddleware({
    name: 'gempool',
    wrapModelCall: async (request, handler) => {
      const model = await resolveModel(request.model as unknown as Record<string, any>, request.runtime?.configurable);
      withGempool(model, pool);
      const runtimeContext = request.runtime?.context;
      const callContext = { ...contextFrom(runtimeContext), ...context?.({ runtimeContext, messages: request.messages }) };
      const routed = model === (request.model as unknown) ? request : { ...request, model: model as typeof request.model };
      return runWithContext(callContext, () => handler(routed));
    },
  });
}

// A "google-genai:…" string model reaches us as a ConfigurableModel; its cached instance is the
// model that runs, so route that one (its own retries must go off too).
async function resolveModel(model: Record<string, any>, configurable: unknown): Promise<object> {
  if (!isConfigurableModel(model)) return model;
  return model['_getModelInstance']({ configurable: configurable ?? {} });
}

const CONTEXT_FIELDS: Record<keyof CallContext, 'number' | 'string' | 'boolean'> = {
  priority: 'number',
  lane: 'string',
  tenant: 'string',
  deadlineMs: 'number',
  coalesce: 'boolean',
};

/** The gempool fields of an agent's runtime context; a field of the wrong type is a ConfigError. */
export function contextFrom(runtimeContext: unknown): CallContext {
  const result: Record<string, unknown> = {};
  if (typeof runtimeContext !== 'object' || runtimeContext === null) return result;
  for (const [field, type] of Object.entries(CONTEXT_FIELDS)) {
    const value = (runtimeContext as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
      throw new ConfigError(`runtime.context.${field}`, type === 'number' ? 'a finite number' : `a ${type}`, value);
    }
    result[field] = value;
  }
  return result as CallContext;
}
