// Issue 7: the shipped dashboards and alert policies, read as files an operator would import, and
// checked against @gempool/otel's METRICS registry; the generator's --check and the install CLI's flags.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTES, METRICS, prometheusLabel, prometheusName } from '@gempool/otel';

const run = promisify(execFile);
const NODE = 'node_modules/.bin/node';
const DASHBOARDS = ['pool-health', 'latency-throughput', 'reliability', 'cost', 'leaks'];
const ALERTS = ['connection-leak', 'pool-exhaustion', 'breaker-open', 'rate-limited', 'high-latency'];
// Leak log records (the leaks dashboard's logs panel filters on these `jsonPayload.event` values).
const LOG_EVENTS = new Set(['gempool.leak', 'gempool.leak.returned_late']);
const json = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;

const metricNames = new Set<string>(Object.values(METRICS).map((m) => m.name));
const attributeNames = new Set<string>(Object.values(ATTRIBUTES));
const promSeries = new Set(
  Object.values(METRICS).flatMap((m) => {
    const base = prometheusName(m);
    return m.kind === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
  }),
);
const promLabels = new Set([...attributeNames].map((a) => prometheusLabel(a)));

/** Every string value in a JSON document whose key says it is a query or a filter. */
function queries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) queries(item, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && /query|filter|expr/i.test(key)) out.push(value);
      else queries(value, out);
    }
  }
  return out;
}

/** Names in the gempool / gen_ai namespaces (dotted OpenTelemetry form) a query mentions. */
const dottedNames = (query: string) => [...query.matchAll(/\b(?:gen_ai|gempool|error)\.[a-z_.]+[a-z]/g)].map((m) => m[0].replace(/_(bucket|sum|count|total)$/, ''));

describe('issue 7: Cloud Monitoring dashboards', () => {
  it.each(DASHBOARDS)('%s: one folder with dashboard.json (mosaic layout), a legacy variant and a README', async (name) => {
    const dashboard = await json(`dashboards/${name}/dashboard.json`);
    expect(dashboard.displayName).toBeTruthy();
    expect(dashboard.mosaicLayout.tiles.length).toBeGreaterThan(1);
    expect(existsSync(`dashboards/${name}/dashboard.legacy.json`)).toBe(true);
    expect((await readFile(`dashboards/${name}/README.md`, 'utf8')).length).toBeGreaterThan(200);
  });

  it.each(DASHBOARDS)('%s: every metric and label its queries name is one gempool emits (current, legacy and Grafana)', async (name) => {
    const current = queries(await json(`dashboards/${name}/dashboard.json`));
    expect(current.length).toBeGreaterThan(0);
    for (const referenced of current.flatMap(dottedNames)) expect(metricNames.has(referenced) || attributeNames.has(referenced) || LOG_EVENTS.has(referenced), referenced).toBe(true);
    const legacy = queries(await json(`dashboards/${name}/dashboard.legacy.json`));
    for (const query of legacy) {
      // PromQL over a distribution adds _sum/_count/_bucket to the workload metric's name.
      for (const [, metric] of query.matchAll(/workload\.googleapis\.com\/([\w.]+)/g)) expect(metricNames.has(metric!.replace(/_(bucket|sum|count)$/, '')), metric).toBe(true);
    }
    const grafana = queries(await json(`dashboards/grafana/${name}.json`));
    expect(grafana.length).toBeGreaterThan(0);
    for (const query of grafana) {
      for (const [token] of query.matchAll(/\b(?:gen_ai|gempool)_[a-z_]+/g)) expect(promSeries.has(token) || promLabels.has(token), token).toBe(true);
    }
  });

  it('pool health charts the 80 %/30 % autoscale lines and latency charts p50/p95/p99 of gen_ai.client.operation.duration', async () => {
    const pool = JSON.stringify(await json('dashboards/pool-health/dashboard.json'));
    expect(pool).toMatch(/0\.8\b/);
    expect(pool).toMatch(/0\.3\b/);
    const latency = queries(await json('dashboards/latency-throughput/dashboard.json')).join('\n');
    for (const q of ['0.5', '0.95', '0.99']) expect(latency).toContain(`histogram_quantile(${q}`);
    expect(latency).toContain('gen_ai.client.operation.duration');
  });
});

describe('issue 7: alert policies', () => {
  it.each(ALERTS)('%s: current and legacy AlertPolicy JSON with a markdown runbook', async (id) => {
    for (const path of [`dashboards/alerts/${id}.json`, `dashboards/alerts/${id}.legacy.json`]) {
      const policy = await json(path);
      expect(policy.documentation.mimeType).toBe('text/markdown');
      expect(policy.documentation.content).toMatch(/what to do/i);
      expect(policy.conditions.length).toBeGreaterThan(0);
      expect(policy.combiner).toBeTruthy();
    }
  });

  it('thresholds as the issue gives them: leak in 10 min, exhaustion > 95 % for 5 min, breaker open > 1 min, p99 > 5 s', async () => {
    const text = async (id: string) => JSON.stringify(await json(`dashboards/alerts/${id}.json`));
    expect(await text('connection-leak')).toMatch(/10m|600s/);
    expect(await text('connection-leak')).toContain('gempool.leaks.detected');
    expect(await text('pool-exhaustion')).toMatch(/0\.95/);
    expect(await text('pool-exhaustion')).toMatch(/5m|300s/);
    expect(await text('breaker-open')).toMatch(/1m|60s/);
    expect(await text('high-latency')).toMatch(/histogram_quantile\(0\.99/);
    expect(await text('high-latency')).toMatch(/> ?5\b/);
    expect(await text('rate-limited')).toContain('429');
  });
});

describe('issue 7: one source, install CLI', () => {
  it('the committed dashboards are what the generator produces (npm run dashboards:check)', async () => {
    await expect(run(NODE, ['dashboards/generate.ts', '--check'])).resolves.toBeDefined();
  });

  it('`gempool dashboards install` without --project exits 2 naming the flag', async () => {
    const error = await run(NODE, ['packages/cli/dist/bin.js', 'dashboards', 'install']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain('--project');
  });

  it('the user docs (merged into README) give the equivalent gcloud commands', async () => {
    const readme = await readFile('README.md', 'utf8');
    expect(readme).toContain('gcloud monitoring dashboards create');
    expect(readme).toContain('--config-from-file');
    expect(readme).toContain('gcloud alpha monitoring policies create');
    expect(readme).toContain('--policy-from-file');
  });
});
