// Starts a real redis-server for shared-state tests: a free port on 127.0.0.1, no persistence, as
// a child process the test owns. `kill()` SIGKILLs it (a crashed Memorystore, not a clean
// shutdown) and `restart()` brings a fresh, empty one back on the same port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** Why shared-state tests are skipped here, or undefined when redis-server can run. */
export const redisUnavailableReason: string | undefined = (() => {
  const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return `redis-server not found (${REDIS_BINARY}); install it (apt-get install redis-server) to run the shared-state tests`;
  }
  return undefined;
})();

export interface RedisServerHandle {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** SIGKILLs the server and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a new, empty server on the same port. */
  restart(): Promise<void>;
  /** Stops the server (if running). */
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServerHandle> {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(port);
  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => stopChild('SIGKILL'),
    stop: () => stopChild('SIGTERM'),
    async restart() {
      await stopChild('SIGKILL');
      child = await spawnRedis(port);
    },
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_BINARY,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Wait until it accepts connections (or dies, e.g. the port was taken between probe and spawn).
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited early (code ${child.exitCode}): ${stderr.trim()}`);
    if (await canConnect(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start listening on port ${port}: ${stderr.trim()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
