// Creates or updates every dashboard and alert policy of a bundle through the Monitoring API.
// Idempotent: existing resources are found by their `gempool_id` label (or, for ones made by
// hand or by gcloud from our files before labels existed, their display name) and updated in
// place, so a second run creates nothing.
import type { DashboardsServiceClient } from '@google-cloud/monitoring-dashboards';
import type { AlertPolicyServiceClient } from '@google-cloud/monitoring';
import type { BundleItem, DashboardBundle } from './dashboard-bundle.js';
import { ProtoJsonConverter } from './proto-json-to-client.js';

export const GEMPOOL_ID_LABEL = 'gempool_id';

export interface MonitoringClients {
  dashboards: Pick<DashboardsServiceClient, 'listDashboards' | 'createDashboard' | 'updateDashboard'>;
  alertPolicies: Pick<AlertPolicyServiceClient, 'listAlertPolicies' | 'createAlertPolicy' | 'updateAlertPolicy'>;
}

export interface InstallOptions {
  project: string;
  bundle: DashboardBundle;
  clients: MonitoringClients;
  dryRun?: boolean;
  notificationChannels?: string[];
  /** One line per action, e.g. `created dashboard "gempool: pool health"`. */
  log?: (line: string) => void;
}

export interface InstallAction {
  kind: 'dashboard' | 'alert policy';
  id: string;
  displayName: string;
  action: 'created' | 'updated';
  /** Resource name (`projects/P/dashboards/…`); absent on a dry run's creations. */
  name: string | undefined;
}

interface Existing {
  name?: string | null;
  displayName?: string | null;
  etag?: string | null;
  labels?: Record<string, string> | null;
  userLabels?: Record<string, string> | null;
  notificationChannels?: string[] | null;
}

function findExisting(existing: readonly Existing[], item: BundleItem, labelsOf: (resource: Existing) => Record<string, string> | null | undefined): Existing | undefined {
  return existing.find((resource) => labelsOf(resource)?.[GEMPOOL_ID_LABEL] === item.id) ?? existing.find((resource) => resource.displayName === item.displayName);
}

export async function installDashboards(options: InstallOptions): Promise<InstallAction[]> {
  const { project, bundle, clients } = options;
  const parent = `projects/${project}`;
  const dryRun = options.dryRun ?? false;
  const channels = options.notificationChannels ?? [];
  const log = options.log ?? (() => {});
  const converter = ProtoJsonConverter.forMonitoringClients();
  const actions: InstallAction[] = [];
  const record = (action: InstallAction) => {
    actions.push(action);
    log(`${dryRun ? 'would have ' : ''}${action.action} ${action.kind} "${action.displayName}"${action.name === undefined ? '' : ` (${action.name})`}`);
  };

  const [dashboards] = await clients.dashboards.listDashboards({ parent });
  for (const item of bundle.dashboards) {
    const body = converter.convert('google.monitoring.dashboard.v1.Dashboard', item.body);
    const found = findExisting(dashboards as Existing[], item, (resource) => resource.labels);
    if (found?.name) {
      // The etag makes a concurrent edit in the console fail loudly instead of being overwritten.
      const [updated] = await clients.dashboards.updateDashboard({ dashboard: { ...body, name: found.name, etag: found.etag ?? '' }, validateOnly: dryRun });
      record({ kind: 'dashboard', id: item.id, displayName: item.displayName, action: 'updated', name: updated.name ?? found.name });
    } else {
      const [created] = await clients.dashboards.createDashboard({ parent, dashboard: body, validateOnly: dryRun });
      record({ kind: 'dashboard', id: item.id, displayName: item.displayName, action: 'created', name: dryRun ? undefined : (created.name ?? undefined) });
    }
  }

  const [policies] = await clients.alertPolicies.listAlertPolicies({ name: parent });
  for (const item of bundle.alerts) {
    const body = converter.convert('google.monitoring.v3.AlertPolicy', item.body);
    const found = findExisting(policies as Existing[], item, (resource) => resource.userLabels);
    if (found?.name) {
      // Without --notification-channel, keep the channels someone already wired up.
      const notificationChannels = channels.length > 0 ? channels : (found.notificationChannels ?? []);
      if (!dryRun) await clients.alertPolicies.updateAlertPolicy({ alertPolicy: { ...body, name: found.name, notificationChannels } });
      record({ kind: 'alert policy', id: item.id, displayName: item.displayName, action: 'updated', name: found.name });
    } else {
      let name: string | undefined;
      if (!dryRun) {
        const [created] = await clients.alertPolicies.createAlertPolicy({ name: parent, alertPolicy: { ...body, notificationChannels: channels } });
        name = created.name ?? undefined;
      }
      record({ kind: 'alert policy', id: item.id, displayName: item.displayName, action: 'created', name });
    }
  }
  return actions;
}
