// `gempool dashboards install` with the real @google-cloud/monitoring-dashboards and
// @google-cloud/monitoring clients (REST transport) against a stateful local fake of the API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { fileURLToPath } from 'node:url';
import { run } from '../../packages/cli/src/commands/dashboards.ts';
import { createMonitoringClients, type MonitoringClientOptions } from '../../packages/cli/src/dashboards/monitoring-clients.ts';
import { startFakeMonitoringApi, type FakeMonitoringApi } from './helpers/fake-monitoring-api.ts';
import manifest from '../manifest.json' with { type: 'json' };

const PROJECT = 'gempool-test-project';
const DIR = fileURLToPath(new URL('..', import.meta.url));

let api: FakeMonitoringApi;
let out: string[];
let err: string[];

function install(...args: string[]): Promise<number> {
  // A token that never leaves this machine; the fake only checks one is sent.
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'local-fake-token', expiry_date: Date.now() + 3_600_000 });
  // The dashboards client bundles google-auth-library 10; ours is 11. The REST transport only calls
  // getRequestHeaders()/fetch(), which both versions have, so the cast is safe.
  const clientAuth = authClient as unknown as MonitoringClientOptions['authClient'];
  return run(['install', '--project', PROJECT, '--dir', DIR, ...args], {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    createClients: () => createMonitoringClients({ fallback: 'rest', apiEndpoint: '127.0.0.1', port: api.port, protocol: 'http', authClient: clientAuth }),
  });
}

const byLabel = (store: Map<string, Record<string, unknown>>, key: 'labels' | 'userLabels', id: string) =>
  [...store.values()].filter((resource) => (resource[key] as Record<string, string> | undefined)?.gempool_id === id);

beforeEach(async () => {
  api = await startFakeMonitoringApi(PROJECT);
  out = [];
  err = [];
});
afterEach(() => api.close());

describe('gempool dashboards install', () => {
  it('creates every dashboard and alert policy, then a second run only updates', async () => {
    expect(await install()).toBe(0);
    expect(err.join('')).toBe('');
    expect(api.dashboards.size).toBe(manifest.dashboards.length);
    expect(api.alertPolicies.size).toBe(manifest.alerts.length);
    for (const entry of manifest.dashboards) expect(byLabel(api.dashboards, 'labels', entry.id)).toHaveLength(1);
    for (const entry of manifest.alerts) expect(byLabel(api.alertPolicies, 'userLabels', entry.id)).toHaveLength(1);
    // Durations travel as proto3 JSON strings again after the client's encoding.
    const [leak] = byLabel(api.alertPolicies, 'userLabels', 'connection-leak');
    expect(leak).toMatchObject({ alertStrategy: { autoClose: '3600s' }, enabled: true, documentation: { mimeType: 'text/markdown' } });
    expect(out.join('')).toContain(`Created ${manifest.dashboards.length + manifest.alerts.length}, updated 0`);

    const names = [...api.dashboards.keys(), ...api.alertPolicies.keys()].sort();
    out = [];
    expect(await install()).toBe(0);
    expect([...api.dashboards.keys(), ...api.alertPolicies.keys()].sort()).toEqual(names);
    expect(out.join('')).toContain(`Created 0, updated ${names.length}`);
  });

  it('switches an installation to the legacy metric path in place', async () => {
    expect(await install()).toBe(0);
    const [current] = byLabel(api.dashboards, 'labels', 'latency-throughput');
    expect(JSON.stringify(current)).toContain('prometheusQuery');

    expect(await install('--legacy')).toBe(0);
    expect(api.dashboards.size).toBe(manifest.dashboards.length);
    const [legacy] = byLabel(api.dashboards, 'labels', 'latency-throughput');
    expect(legacy!.name).toBe(current!.name);
    expect(JSON.stringify(legacy)).toContain('workload.googleapis.com/gen_ai.client.operation.duration');
    const [policy] = byLabel(api.alertPolicies, 'userLabels', 'high-latency');
    expect(policy).toHaveProperty('conditions.0.conditionThreshold.filter');
  });

  it('adopts a policy created from our file by gcloud (matched by display name) and keeps its channels', async () => {
    const channel = `projects/${PROJECT}/notificationChannels/oncall`;
    api.alertPolicies.set(`projects/${PROJECT}/alertPolicies/manual`, {
      name: `projects/${PROJECT}/alertPolicies/manual`,
      displayName: manifest.alerts[0]!.displayName,
      combiner: 'OR',
      notificationChannels: [channel],
    });
    expect(await install()).toBe(0);
    expect(api.alertPolicies.size).toBe(manifest.alerts.length);
    const adopted = api.alertPolicies.get(`projects/${PROJECT}/alertPolicies/manual`)!;
    expect(adopted).toMatchObject({ userLabels: { gempool_id: manifest.alerts[0]!.id }, notificationChannels: [channel] });

    const pager = `projects/${PROJECT}/notificationChannels/pager`;
    expect(await install('--notification-channel', pager)).toBe(0);
    for (const policy of api.alertPolicies.values()) expect(policy.notificationChannels).toEqual([pager]);
  });

  it('--dry-run writes nothing and lets the API validate the dashboards', async () => {
    expect(await install('--dry-run')).toBe(0);
    expect(api.dashboards.size).toBe(0);
    expect(api.alertPolicies.size).toBe(0);
    const posts = api.requests.filter((line) => line.startsWith('POST'));
    expect(posts).toHaveLength(manifest.dashboards.length);
    for (const line of posts) expect(line).toContain('validateOnly=true');
    expect(out.join('')).toContain('would have created dashboard "gempool: pool health"');
  });

  it('fails with exit code 1 and the API message when a dashboard changed underneath (stale etag)', async () => {
    expect(await install()).toBe(0);
    const [health] = byLabel(api.dashboards, 'labels', 'pool-health');
    // Simulate an edit in the console between our list and update: the stored etag moves on.
    const original = api.dashboards.get(health!.name as string)!;
    let listed = false;
    api.dashboards.set(health!.name as string, new Proxy(original, {
      get(target, key) {
        if (key === 'etag' && listed) return 'edited-in-console';
        if (key === 'etag') listed = true;
        return Reflect.get(target, key);
      },
    }));
    expect(await install()).toBe(1);
    expect(err.join('')).toMatch(/etag/);
  });
});

describe('gempool dashboards: command line errors exit with 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no subcommand', [], /expected the subcommand `install`/],
    ['unknown subcommand', ['uninstall'], /got `uninstall`/],
    ['missing --project', ['install'], /`--project` to be given exactly once, got `undefined`/],
    ['invalid project id', ['install', '--project', 'Bad_Project'], /`--project` to be a Google Cloud project id.*"Bad_Project"/],
    ['--project without a value', ['install', '--project'], /`--project` to be followed by a value/],
    ['unknown flag', ['install', '--project', PROJECT, '--force'], /got `"--force"`/],
    ['bad notification channel', ['install', '--project', PROJECT, '--notification-channel', 'oncall'], /`--notification-channel` to be projects\/PROJECT\/notificationChannels\/ID/],
    ['folder without manifest', ['install', '--project', PROJECT, '--dir', fileURLToPath(new URL('.', import.meta.url))], /`--dir` to be a folder containing manifest.json/],
  ];
  for (const [title, argv, message] of cases) {
    it(title, async () => {
      const errors: string[] = [];
      const code = await run(argv, {
        stdout: () => {},
        stderr: (text) => void errors.push(text),
        createClients: () => {
          throw new Error('no client may be created for a bad command line');
        },
      });
      expect(code).toBe(2);
      expect(errors.join('')).toMatch(message);
    });
  }
});
