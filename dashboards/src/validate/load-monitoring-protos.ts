// Loads Google's own Cloud Monitoring protos (shipped inside the client libraries we depend on)
// into one protobufjs Root, so dashboards and alert policies are checked against the exact schema
// the API uses rather than a hand-written copy of it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

export const DASHBOARD_TYPE = 'google.monitoring.dashboard.v1.Dashboard';
export const ALERT_POLICY_TYPE = 'google.monitoring.v3.AlertPolicy';

const require = createRequire(import.meta.url);

/** A package's root folder, found from its entry point (some packages do not export package.json). */
function packageDir(name: string, from?: string): string {
  let dir = dirname(require.resolve(name, from === undefined ? undefined : { paths: [from] }));
  while (!existsSync(join(dir, 'package.json')) || !dir.includes(name)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the folder of package ${name}`);
    dir = parent;
  }
  return dir;
}

/** Folders that hold `google/...` proto trees: the two clients' own protos, then google-gax's common ones. */
function protoRoots(): string[] {
  const dashboards = packageDir('@google-cloud/monitoring-dashboards');
  const monitoring = packageDir('@google-cloud/monitoring');
  // google-gax carries google/api, google/protobuf, google/type and google/rpc.
  const gax = packageDir('google-gax', monitoring);
  return [join(dashboards, 'build/protos'), join(monitoring, 'build/protos'), join(gax, 'build/protos')];
}

let cached: Promise<protobuf.Root> | undefined;

/** The Dashboard and AlertPolicy protos with every import resolved (loaded once per process). */
export function loadMonitoringProtos(): Promise<protobuf.Root> {
  cached ??= (async () => {
    const roots = protoRoots();
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => {
      for (const base of roots) {
        const candidate = join(base, target);
        if (existsSync(candidate)) return candidate;
      }
      return target;
    };
    await root.load(['google/monitoring/dashboard/v1/dashboard.proto', 'google/monitoring/v3/alert.proto'], { keepCase: false });
    root.resolveAll();
    return root;
  })();
  return cached;
}
