// Parent side of fake-server-child.ts: starts the child and gives back origin, CA and a few
// remote controls. `serialization: 'advanced'` lets fault scripts carry RegExp and Infinity.
import { fork, type ChildProcess } from 'node:child_process';
import type { FakeGeminiOptions, FakeGeminiStats } from '@gempool/testing';

export interface RemoteFakeServer {
  /** The fake server's own origin. */
  readonly origin: string;
  /** The latency proxy's origin, when one was asked for. */
  readonly proxyOrigin: string | undefined;
  readonly ca: string | undefined;
  readonly pid: number;
  setFaults(faults: NonNullable<FakeGeminiOptions['faults']>): Promise<void>;
  stats(): Promise<FakeGeminiStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export async function forkFakeServer(fake: FakeGeminiOptions, proxyRttMs?: number): Promise<RemoteFakeServer> {
  const child: ChildProcess = fork(new URL('./fake-server-child.ts', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (reply: { stats?: FakeGeminiStats }) => void>();
  let nextId = 1;
  const ready = new Promise<{ origin: string; proxyOrigin?: string; ca?: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake server child exited early (code ${code})`)));
    child.on('message', (message: { ready?: boolean; id?: number; stats?: FakeGeminiStats; origin?: string }) => {
      if (message.ready === true) resolve(message as { origin: string });
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      }
    });
  });
  child.send({ fake, proxyRttMs });
  const started = await ready;
  child.removeAllListeners('exit');
  const request = (message: Record<string, unknown>) =>
    new Promise<{ stats?: FakeGeminiStats }>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...message, id });
    });
  return {
    origin: started.origin,
    proxyOrigin: started.proxyOrigin,
    ca: started.ca,
    pid: child.pid!,
    setFaults: async (faults) => void (await request({ type: 'faults', faults })),
    stats: async () => (await request({ type: 'stats' })).stats!,
    resetStats: async () => void (await request({ type: 'reset-stats' })),
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await Promise.race([request({ type: 'close' }), exited]);
      child.disconnect?.();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}
