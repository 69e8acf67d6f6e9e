// The strict proto3-JSON walker over Google's Dashboard and AlertPolicy protos: it must accept
// real dashboards and reject each kind of mistake with the JSON path of the offending value.
import { beforeAll, describe, expect, it } from 'vitest';
import type protobuf from 'protobufjs';
import { ALERT_POLICY_TYPE, DASHBOARD_TYPE, loadMonitoringProtos } from '../src/validate/load-monitoring-protos.ts';
import { validateProtoJson } from '../src/validate/validate-proto-json.ts';

let root: protobuf.Root;
beforeAll(async () => {
  root = await loadMonitoringProtos();
});

function dashboard(overrides: { dataSet?: Record<string, unknown>; tile?: Record<string, unknown>; top?: Record<string, unknown> } = {}) {
  return {
    displayName: 'test',
    mosaicLayout: {
      columns: 48,
      tiles: [
        {
          xPos: 0,
          width: 24,
          height: 16,
          widget: {
            title: 'chart',
            xyChart: {
              dataSets: [{ timeSeriesQuery: { prometheusQuery: 'up' }, plotType: 'LINE', minAlignmentPeriod: '60s', ...overrides.dataSet }],
              thresholds: [{ value: 0.8, color: 'RED', direction: 'ABOVE' }],
            },
          },
          ...overrides.tile,
        },
      ],
    },
    labels: { gempool_id: 'test' },
    ...overrides.top,
  };
}

function policy(threshold: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    displayName: 'p',
    combiner: 'OR',
    enabled: true,
    conditions: [
      {
        displayName: 'c',
        conditionThreshold: { filter: 'metric.type="workload.googleapis.com/x"', comparison: 'COMPARISON_GT', thresholdValue: 1, duration: '60s', ...threshold },
      },
    ],
    ...top,
  };
}

const dashboardIssues = (value: unknown) => validateProtoJson(root, DASHBOARD_TYPE, value);
const policyIssues = (value: unknown) => validateProtoJson(root, ALERT_POLICY_TYPE, value);

describe('validateProtoJson', () => {
  it('accepts a well-formed dashboard and alert policy', () => {
    expect(dashboardIssues(dashboard())).toEqual([]);
    expect(policyIssues(policy())).toEqual([]);
  });

  it('rejects an unknown field, naming it and its path', () => {
    const issues = dashboardIssues(dashboard({ dataSet: { legend: 'p95' } }));
    expect(issues).toEqual([expect.objectContaining({ path: '$.mosaicLayout.tiles[0].widget.xyChart.dataSets[0].legend', message: expect.stringMatching(/unknown field "legend" in google\.monitoring\.dashboard\.v1\.XyChart\.DataSet/) })]);
  });

  it('rejects snake_case field names (the files use the JSON names)', () => {
    expect(dashboardIssues(dashboard({ top: { display_name: 'x' } }))[0]).toMatchObject({ path: '$.display_name' });
  });

  it('rejects an enum value that is not a name of the enum', () => {
    const issues = dashboardIssues(dashboard({ dataSet: { plotType: 'AREA' } }));
    expect(issues).toEqual([expect.objectContaining({ path: '$.mosaicLayout.tiles[0].widget.xyChart.dataSets[0].plotType', message: expect.stringMatching(/one of the .*PlotType names \(.*STACKED_AREA.*\), got "AREA"/) })]);
    expect(policyIssues(policy({ comparison: 'GREATER' }))[0]).toMatchObject({ path: '$.conditions[0].conditionThreshold.comparison' });
    // Numbers are valid proto3 JSON but not what we ship, unless asked for.
    expect(dashboardIssues(dashboard({ dataSet: { plotType: 1 } }))).toHaveLength(1);
    expect(validateProtoJson(root, DASHBOARD_TYPE, dashboard({ dataSet: { plotType: 1 } }), { enumNumbers: true })).toEqual([]);
  });

  it('rejects a missing required field', () => {
    expect(dashboardIssues(dashboard({ top: { displayName: undefined } }))).toEqual([expect.objectContaining({ path: '$.displayName', message: expect.stringMatching(/missing required field "displayName"/) })]);
    expect(dashboardIssues(dashboard({ dataSet: { timeSeriesQuery: undefined } }))[0]).toMatchObject({ path: '$.mosaicLayout.tiles[0].widget.xyChart.dataSets[0].timeSeriesQuery' });
    expect(policyIssues(policy({ filter: '' }))[0]).toMatchObject({ path: '$.conditions[0].conditionThreshold.filter', message: expect.stringMatching(/missing required/) });
  });

  it('rejects a bad duration', () => {
    for (const bad of ['60', '1m', '1.5.0s', 60, { seconds: 60 }]) {
      const issues = policyIssues(policy({ duration: bad }));
      expect(issues, JSON.stringify(bad)).toEqual([expect.objectContaining({ path: '$.conditions[0].conditionThreshold.duration', message: expect.stringMatching(/google\.protobuf\.Duration string/) })]);
    }
    expect(policyIssues(policy({ duration: '0.5s' }))).toEqual([]);
    expect(policyIssues(policy({ duration: '999999999999s' }))[0]?.message).toMatch(/outside/);
  });

  it('rejects two members of one oneof', () => {
    const issues = dashboardIssues(dashboard({ dataSet: { timeSeriesQuery: { prometheusQuery: 'up', timeSeriesFilter: { filter: 'metric.type="x"' } } } }));
    expect(issues).toEqual([expect.objectContaining({ path: '$.mosaicLayout.tiles[0].widget.xyChart.dataSets[0].timeSeriesQuery', message: expect.stringMatching(/at most one of the oneof "source".*got timeSeriesFilter, prometheusQuery/) })]);
  });

  it('rejects wrong scalar types, wrappers, maps and nulls', () => {
    expect(dashboardIssues(dashboard({ tile: { xPos: 'left' } }))[0]).toMatchObject({ path: '$.mosaicLayout.tiles[0].xPos', message: expect.stringMatching(/integer/) });
    expect(dashboardIssues(dashboard({ tile: { width: 2 ** 40 } }))[0]).toMatchObject({ path: '$.mosaicLayout.tiles[0].width' });
    expect(policyIssues(policy({}, { enabled: 'yes' }))[0]).toMatchObject({ path: '$.enabled', message: expect.stringMatching(/true or false/) });
    expect(policyIssues(policy({}, { userLabels: { team: 7 } }))[0]).toMatchObject({ path: '$.userLabels["team"]' });
    expect(dashboardIssues(dashboard({ top: { etag: null } }))[0]).toMatchObject({ path: '$.etag', message: expect.stringMatching(/null/) });
    expect(policyIssues(policy({}, { conditions: {} }))[0]).toMatchObject({ path: '$.conditions', message: expect.stringMatching(/array/) });
  });
});
