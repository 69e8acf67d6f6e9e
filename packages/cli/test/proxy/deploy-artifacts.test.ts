// The deployment artifacts are checked against the proxy itself: probes must hit paths it serves,
// ports must be the port its flags select, flags must parse with its real parser, and the drain
// must fit inside the platform's grace period.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { METRICS, prometheusName } from '@gempool/otel';
import { parseProxyArgs, PROXY_ENV, PROXY_PATHS } from '../../src/proxy/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const deploy = `${root}integrations/deploy/`;
const read = (path: string) => readFileSync(`${deploy}${path}`, 'utf8');
const yamlFile = (path: string) => {
  const documents = parseAllDocuments(read(path));
  expect(documents).toHaveLength(1);
  expect(documents[0]!.errors).toEqual([]);
  return documents[0]!.toJS() as any;
};

// Secrets are injected by the platform; give the parser what the platform would.
const PLATFORM_ENV = { GEMPOOL_PROXY_TOKEN: 'token-from-secret', GEMINI_API_KEY: 'key-from-secret' };
const CLI_PREFIX = ['node', 'packages/cli/dist/bin.js', 'proxy'];

/** The flags after `node packages/cli/dist/bin.js proxy`, parsed by the proxy's own parser. */
function proxyFlags(argv: string[]) {
  expect(argv.slice(0, 3)).toEqual(CLI_PREFIX);
  return parseProxyArgs(argv.slice(3), { env: PLATFORM_ENV }).options;
}

/** A Kubernetes quantity (`700m`, `0.7`, `1`) as a number. */
function quantity(value: string | number): number {
  const text = String(value);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

function containerArgv(container: any): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/** A probe's port, by number or by container port name. */
function probePort(probe: any, container: any): number {
  const port = probe.httpGet.port;
  if (typeof port === 'number') return port;
  const named = container.ports.find((p: any) => p.name === port);
  expect(named, `container port named ${port}`).toBeDefined();
  return named.containerPort;
}

function expectSecretEnv(container: any): void {
  const env = new Map<string, any>(container.env.map((entry: any) => [entry.name, entry]));
  expect(env.get(PROXY_ENV.token)?.valueFrom?.secretKeyRef).toBeDefined();
  const keyEntry = PROXY_ENV.apiKeys.map((name) => env.get(name)).find((entry) => entry !== undefined);
  expect(keyEntry?.valueFrom?.secretKeyRef).toBeDefined();
  for (const entry of env.values()) expect(entry.value, `${entry.name} must come from a secret`).toBeUndefined();
}

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const instructions = lines.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), rest: rest.join(' ') };
  });
  const all = (keyword: string) => instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.rest);
  const runtimeStart = instructions.findIndex((instruction) => instruction.keyword === 'FROM' && / AS runtime$/i.test(instruction.rest));
  const runtime = instructions.slice(runtimeStart);

  it('builds in stages on node:24-slim and runs as a non-root user', () => {
    const stages = all('FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:24-slim\b/);
    expect(runtimeStart).toBeGreaterThan(0);
    const user = runtime.filter((instruction) => instruction.keyword === 'USER').at(-1)?.rest;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('installs production dependencies only in the runtime image, for every workspace', () => {
    const runs = runtime.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.rest);
    expect(runs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    const workspaces: string[] = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).workspaces;
    const copies = runtime.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.rest);
    for (const workspace of workspaces) {
      // npm ci with workspaces needs every workspace manifest, and the runtime needs compiled output.
      expect(copies.some((copy) => copy.startsWith(`${workspace}/package.json `))).toBe(true);
      expect(copies.some((copy) => copy === `--from=build /app/${workspace}/dist ${workspace}/dist`)).toBe(true);
    }
  });

  it('runs the proxy with flags the CLI accepts, on the port it exposes', () => {
    const cmd = JSON.parse(all('CMD').at(-1)!) as string[];
    const options = proxyFlags(cmd);
    expect(options.host).toBe('0.0.0.0');
    expect(all('EXPOSE').map(Number)).toEqual([options.port]);
  });

  it('health-checks the liveness path on that port', () => {
    const healthcheck = all('HEALTHCHECK')[0]!;
    const cmd = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    const port = proxyFlags(JSON.parse(all('CMD').at(-1)!)).port;
    expect(cmd.join(' ')).toContain(`http://127.0.0.1:${port}${PROXY_PATHS.healthz}`);
  });
});

describe('Cloud Run service', () => {
  const service = yamlFile('cloud-run/service.yaml');
  const template = service.spec.template;
  const container = template.spec.containers[0];
  const options = proxyFlags(containerArgv(container));

  it('is a Knative Service that keeps warm instances', () => {
    expect(service.apiVersion).toBe('serving.knative.dev/v1');
    expect(service.kind).toBe('Service');
    expect(Number(template.metadata.annotations['autoscaling.knative.dev/minScale'])).toBeGreaterThanOrEqual(1);
    expect(template.metadata.annotations['run.googleapis.com/cpu-throttling']).toBe('false');
    expect(template.spec.containerConcurrency).toBeGreaterThan(0);
  });

  it('probes real proxy endpoints on the port the proxy listens on', () => {
    expect(options.host).toBe('0.0.0.0');
    expect(container.ports).toHaveLength(1);
    expect(container.ports[0].containerPort).toBe(options.port);
    expect(container.startupProbe.httpGet.path).toBe(PROXY_PATHS.readyz);
    expect(container.livenessProbe.httpGet.path).toBe(PROXY_PATHS.healthz);
    expect(probePort(container.startupProbe, container)).toBe(options.port);
    expect(probePort(container.livenessProbe, container)).toBe(options.port);
  });

  it('drains within the 10 s Cloud Run allows between SIGTERM and SIGKILL', () => {
    expect(options.drainTimeoutMs).toBeLessThan(10_000);
  });

  it('takes the token and API key from Secret Manager', () => {
    expectSecretEnv(container);
  });
});

describe('Kubernetes manifests', () => {
  const deployment = yamlFile('k8s/deployment.yaml');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const options = proxyFlags(containerArgv(container));
  const podLabels = pod.metadata.labels as Record<string, string>;
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => podLabels[key] === value);

  it('routes traffic to a pod only once its pool is warm', () => {
    expect(deployment.kind).toBe('Deployment');
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(container.readinessProbe.httpGet.path).toBe(PROXY_PATHS.readyz);
    expect(container.livenessProbe.httpGet.path).toBe(PROXY_PATHS.healthz);
    expect(probePort(container.readinessProbe, container)).toBe(options.port);
    expect(probePort(container.livenessProbe, container)).toBe(options.port);
    expect(options.host).toBe('0.0.0.0');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('gives the drain more time than it can take, after the preStop pause', () => {
    const preStopSeconds = container.lifecycle.preStop.sleep.seconds;
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + options.drainTimeoutMs!);
  });

  it('runs as non-root with secrets from a Secret', () => {
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expectSecretEnv(container);
  });

  it('keeps a disruption budget over the same pods', () => {
    const pdb = yamlFile('k8s/pdb.yaml');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.kind).toBe('PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it('autoscales the Deployment on the pool utilisation metric the proxy exports', () => {
    const hpa = yamlFile('k8s/hpa.yaml');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
    const [metric] = hpa.spec.metrics;
    expect(metric.type).toBe('External');
    // Managed Prometheus stores `<prometheus name>` as prometheus.googleapis.com/<name>/gauge; the
    // Custom Metrics Stackdriver Adapter spells the `/` as `|`.
    expect(metric.external.metric.name).toBe(`prometheus.googleapis.com|${prometheusName(METRICS.utilization)}|gauge`);
    // Utilisation is a 0..1 fraction: the per-pod target must be strictly inside that range.
    const target = quantity(metric.external.target.averageValue);
    expect(target).toBeGreaterThan(0);
    expect(target).toBeLessThan(1);
  });

  it('exposes the pods through a Service and scrapes /metrics from them', () => {
    const service = yamlFile('k8s/service.yaml');
    expect(selects(service.spec.selector)).toBe(true);
    const portNames = container.ports.map((p: any) => p.name);
    expect(portNames).toContain(service.spec.ports[0].targetPort);
    const monitoring = yamlFile('k8s/pod-monitoring.yaml');
    expect(selects(monitoring.spec.selector.matchLabels)).toBe(true);
    expect(monitoring.spec.endpoints[0].path).toBe(PROXY_PATHS.metrics);
    expect(portNames).toContain(monitoring.spec.endpoints[0].port);
  });

  it('lists every manifest in the kustomization', () => {
    const kustomization = yamlFile('k8s/kustomization.yaml');
    const manifests = readdirSync(`${deploy}k8s`).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  });
});
