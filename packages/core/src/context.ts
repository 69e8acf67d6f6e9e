// Per-call context carried by AsyncLocalStorage: everything called inside `fn` inherits it, so an
// agent framework can set priority/lane/tenant/deadline once and the transport sees it.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallContext {
  /** Higher runs first. Overrides the lane's priority for ordering inside the pool. */
  priority?: number;
  /** Lane name; default: the lane whose `models` match the call's model. */
  lane?: string;
  /** Tenant / conversation key: never shared across by coalescing, keys the traffic split. */
  tenant?: string;
  /** Time budget for the whole call (queue + retries + body), from when the call starts. */
  deadlineMs?: number;
  /** `false` opts this call out of coalescing. */
  coalesce?: boolean;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` with `context` applying to every gempool call made inside it (merged over any outer context). */
export function runWithContext<T>(context: CallContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer === undefined ? { ...context } : { ...outer, ...context }, fn);
}

/** The context of the current async scope, if any. */
export function getCallContext(): CallContext | undefined {
  return storage.getStore();
}
