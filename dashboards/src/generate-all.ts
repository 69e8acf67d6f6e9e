// Renders every shipped file from the specs, in memory: the generator writes the result to disk
// and the tests compare it with what is committed. Paths are relative to dashboards/.
import { ALERTS, DASHBOARDS } from './catalogue.ts';
import { renderAlertPolicy } from './render-alert-policy.ts';
import { renderCloudDashboard } from './render-cloud-dashboard.ts';
import { renderGrafanaDashboard } from './render-grafana.ts';
import { renderAlertsReadme, renderDashboardReadme } from './render-readme.ts';

/** What `gempool dashboards install` reads: every installable file, by id and metric path. */
export interface BundleManifest {
  dashboards: Array<{ id: string; displayName: string; current: string; legacy: string; grafana: string }>;
  alerts: Array<{ id: string; displayName: string; current: string; legacy: string }>;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function generateAll(): Map<string, string> {
  const files = new Map<string, string>();
  const manifest: BundleManifest = { dashboards: [], alerts: [] };
  for (const spec of DASHBOARDS) {
    const entry = { id: spec.id, displayName: spec.displayName, current: `${spec.id}/dashboard.json`, legacy: `${spec.id}/dashboard.legacy.json`, grafana: `grafana/${spec.id}.json` };
    files.set(entry.current, json(renderCloudDashboard(spec, 'current')));
    files.set(entry.legacy, json(renderCloudDashboard(spec, 'legacy')));
    files.set(entry.grafana, json(renderGrafanaDashboard(spec)));
    files.set(`${spec.id}/README.md`, renderDashboardReadme(spec));
    manifest.dashboards.push(entry);
  }
  for (const spec of ALERTS) {
    const entry = { id: spec.id, displayName: spec.displayName, current: `alerts/${spec.id}.json`, legacy: `alerts/${spec.id}.legacy.json` };
    files.set(entry.current, json(renderAlertPolicy(spec, 'current')));
    files.set(entry.legacy, json(renderAlertPolicy(spec, 'legacy')));
    manifest.alerts.push(entry);
  }
  files.set('alerts/README.md', renderAlertsReadme(ALERTS));
  files.set('manifest.json', json(manifest));
  return files;
}
