// A small sample of pool activity touching every event-driven metric kind (counter, histogram,
// gauge, observable counter), for exporter-format tests.
import { ScriptedPool, usage } from './scripted-pool.js';

export function emitSample(pool: ScriptedPool): void {
  pool.snapshot = { connections: { idle: 2, busy: 1 }, queued: 1, inFlight: 1, utilization: 0.5, lanes: { standard: { queued: 1 } } };
  pool.emit('connection-created', { origin: 'https://generativelanguage.googleapis.com', connectionId: 1, pool: 'default', httpVersion: '2', createMs: 30, tls: true, warm: true });
  const call = pool.start('gemini-2.5-flash');
  pool.attempt(call, 1, 429);
  pool.emit('retry-scheduled', { callId: call.callId, model: call.model, attempt: 1, delayMs: 1000, reason: '429', status: 429 });
  pool.attempt(call, 2, 200);
  pool.end(call, { attempts: 2, retryReasons: ['429'], usage: usage(100, 20) });
  // A pool that reports no sharedState stats: the gauges come from the last shared-state event.
  pool.emit('shared-state', { state: 'disconnected', reason: 'connect ECONNREFUSED', fallbacks: 3 });
  pool.emit('quota-wait', { model: 'gemini-2.5-pro', waitMs: 1200, result: 'QUOTA_WAIT_TIMEOUT', paused: false });
  pool.emit('breaker-state', { endpoint: 'gemini-2.5-pro|global|v1', model: 'gemini-2.5-pro', region: 'global', apiVersion: 'v1', from: 'closed', to: 'open', reason: 'latency' });
}
