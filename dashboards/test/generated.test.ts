// The shipped files: generated from dashboards/src and up to date, valid against Google's protos,
// and every metric and label they reference is one gempool emits (checked against the registry).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type protobuf from 'protobufjs';
import { METRICS } from '../../packages/otel/src/metrics.ts';
import { ALERTS, DASHBOARDS } from '../src/catalogue.ts';
import { generateAll } from '../src/generate-all.ts';
import { ALERT_POLICY_TYPE, DASHBOARD_TYPE, loadMonitoringProtos } from '../src/validate/load-monitoring-protos.ts';
import { formatProtoJsonIssues, validateProtoJson } from '../src/validate/validate-proto-json.ts';
import { cloudPromQlReferences, collect, legacyFilterReferences, prometheusReferences, type References } from './helpers/metric-references.ts';

const generated = generateAll();
const read = (relative: string) => readFileSync(new URL(`../${relative}`, import.meta.url), 'utf8');
const jsonFiles = [...generated.keys()].filter((path) => path.endsWith('.json') && path !== 'manifest.json');
const cloudFiles = jsonFiles.filter((path) => !path.startsWith('grafana/'));
const grafanaFiles = jsonFiles.filter((path) => path.startsWith('grafana/'));

function referencesIn(path: string): References[] {
  const json = JSON.parse(generated.get(path)!) as unknown;
  const legacy = path.endsWith('.legacy.json');
  if (path.startsWith('grafana/')) return collect(json, 'expr').map((hit) => prometheusReferences(hit.value as string, `${path} ${hit.path}`));
  const promql = [...collect(json, 'prometheusQuery'), ...collect(json, 'query')].map((hit) => cloudPromQlReferences(hit.value as string, `${path} ${hit.path}`));
  const filters = [...collect(json, 'filter'), ...collect(json, 'denominatorFilter')]
    .filter((hit) => typeof hit.value === 'string' && (hit.value as string).includes('metric.type'))
    .map((hit) => {
      const aggregations = [hit.parent.aggregation, ...((hit.parent.aggregations as unknown[] | undefined) ?? [])] as Array<{ groupByFields?: string[] } | undefined>;
      return legacyFilterReferences(hit.value as string, aggregations.flatMap((item) => item?.groupByFields ?? []), `${path} ${hit.path}`);
    });
  if (!legacy) expect(filters, `${path} must not use workload.googleapis.com filters`).toEqual([]);
  return [...promql, ...filters];
}

describe('generated dashboards and alert policies', () => {
  let root: protobuf.Root;
  beforeAll(async () => {
    root = await loadMonitoringProtos();
  });

  it('are up to date with dashboards/src (run node_modules/.bin/node dashboards/generate.ts)', () => {
    const stale = [...generated].filter(([path, content]) => {
      try {
        return read(path) !== content;
      } catch {
        return true;
      }
    });
    expect(stale.map(([path]) => path)).toEqual([]);
  });

  it('ship a current and a legacy variant of every dashboard and policy, and a Grafana file per dashboard', () => {
    for (const spec of DASHBOARDS) {
      for (const path of [`${spec.id}/dashboard.json`, `${spec.id}/dashboard.legacy.json`, `grafana/${spec.id}.json`, `${spec.id}/README.md`]) expect(generated.has(path), path).toBe(true);
    }
    for (const spec of ALERTS) for (const path of [`alerts/${spec.id}.json`, `alerts/${spec.id}.legacy.json`]) expect(generated.has(path), path).toBe(true);
  });

  it.each(cloudFiles)('%s passes the strict check against Google\'s protos', (path) => {
    const type = path.startsWith('alerts/') ? ALERT_POLICY_TYPE : DASHBOARD_TYPE;
    const issues = validateProtoJson(root, type, JSON.parse(generated.get(path)!));
    expect(issues, formatProtoJsonIssues(issues)).toEqual([]);
  });

  it.each(jsonFiles)('%s references only metrics and labels gempool emits', (path) => {
    const references = referencesIn(path);
    expect(references.length).toBeGreaterThan(0);
    expect(references.flatMap((item) => item.problems)).toEqual([]);
  });

  it('use every spec attribute only on metrics that carry it', () => {
    const problems: string[] = [];
    for (const spec of DASHBOARDS) {
      for (const widget of spec.widgets) {
        if (widget.kind === 'logs') continue;
        for (const series of widget.series) {
          const attributes: readonly string[] = METRICS[series.metric].attributes;
          for (const attribute of [...(series.by ?? []), ...Object.keys(series.where ?? {})]) {
            if (!attributes.includes(attribute)) problems.push(`${spec.id} / ${widget.title}: ${attribute} on ${series.metric}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('carry the alert thresholds the issue asks for', () => {
    const policy = (id: string, path: 'json' | 'legacy.json') => JSON.parse(generated.get(`alerts/${id}.${path}`)!) as { conditions: Array<Record<string, any>>; combiner: string };
    expect(policy('connection-leak', 'json').conditions[0]!.conditionPrometheusQueryLanguage.query).toMatch(/\[10m\]\)\) > 0$/);
    expect(policy('connection-leak', 'legacy.json').conditions[0]!.conditionThreshold).toMatchObject({ aggregations: [{ alignmentPeriod: '600s' }], thresholdValue: 0 });
    const exhaustion = policy('pool-exhaustion', 'legacy.json');
    expect(exhaustion.combiner).toBe('AND');
    expect(exhaustion.conditions.map((item) => [item.conditionThreshold.thresholdValue, item.conditionThreshold.duration])).toEqual([[0, '300s'], [0.95, '300s']]);
    expect(policy('breaker-open', 'json').conditions[0]!.conditionPrometheusQueryLanguage).toMatchObject({ duration: '60s', query: expect.stringMatching(/>= 2$/) });
    expect(policy('high-latency', 'legacy.json').conditions[0]!.conditionThreshold).toMatchObject({ thresholdValue: 5, aggregations: [{ crossSeriesReducer: 'REDUCE_PERCENTILE_99' }] });
    expect(policy('rate-limited', 'legacy.json').conditions[0]!.conditionThreshold).toHaveProperty('denominatorFilter');
    for (const spec of ALERTS) expect(JSON.parse(generated.get(`alerts/${spec.id}.json`)!).documentation.mimeType).toBe('text/markdown');
  });

  it('point the leaks dashboard\'s logs panel at the leak records', () => {
    const leaks = JSON.parse(generated.get('leaks/dashboard.json')!);
    expect(collect(leaks, 'logsPanel').map((hit) => (hit.value as { filter: string }).filter)).toEqual(['jsonPayload.event=("gempool.leak" OR "gempool.leak.returned_late")']);
  });

  it('reference the dashboards from the install manifest', () => {
    const manifest = JSON.parse(generated.get('manifest.json')!) as { dashboards: Array<{ current: string; legacy: string; grafana: string }>; alerts: Array<{ current: string; legacy: string }> };
    const listed = [...manifest.dashboards.flatMap((entry) => [entry.current, entry.legacy, entry.grafana]), ...manifest.alerts.flatMap((entry) => [entry.current, entry.legacy])];
    expect(listed.sort()).toEqual([...cloudFiles, ...grafanaFiles].sort());
  });
});

describe('the metric reference check', () => {
  it('flags metrics and labels gempool does not emit, on every backend', () => {
    expect(cloudPromQlReferences('sum(rate({"gempool.requestz"}[5m]))', 'q').problems).toContain('q: gempool.requestz is not a gempool metric');
    expect(cloudPromQlReferences('sum by ("cloud.region") (rate({"gempool.requests"}[5m]))', 'q').problems[0]).toMatch(/label cloud\.region is not an attribute/);
    expect(prometheusReferences('sum(rate(gempool_requests[5m]))', 'q').problems).toContain('q: gempool_requests is not a series the Prometheus exporter writes');
    expect(prometheusReferences('sum(rate(gempool_requests_total{gempool_lane="a"}[5m]))', 'q').problems).toEqual([]);
    expect(legacyFilterReferences('metric.type="workload.googleapis.com/gempool.retries" AND metric.label.gempool_lane="x"', [], 'f').problems[0]).toMatch(/gempool_lane is not an attribute/);
    expect(legacyFilterReferences('metric.type="workload.googleapis.com/gempool.retries"', ['metric.label.gempool_retry_reason'], 'f').problems).toEqual([]);
  });
});
