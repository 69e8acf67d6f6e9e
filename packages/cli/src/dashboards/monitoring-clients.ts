// The real Monitoring API clients. By default they speak gRPC to monitoring.googleapis.com with
// Application Default Credentials; `clientOptions` (google-gax ClientOptions) can point them
// elsewhere, e.g. `{ fallback: 'rest', apiEndpoint, port, protocol: 'http', authClient }`.
import { DashboardsServiceClient } from '@google-cloud/monitoring-dashboards';
import { AlertPolicyServiceClient } from '@google-cloud/monitoring';
import type { MonitoringClients } from './install-dashboards.js';

export type MonitoringClientOptions = NonNullable<ConstructorParameters<typeof DashboardsServiceClient>[0]> &
  NonNullable<ConstructorParameters<typeof AlertPolicyServiceClient>[0]>;

export interface ClosableMonitoringClients extends MonitoringClients {
  close(): Promise<void>;
}

export function createMonitoringClients(clientOptions: MonitoringClientOptions = {}): ClosableMonitoringClients {
  const dashboards = new DashboardsServiceClient(clientOptions);
  const alertPolicies = new AlertPolicyServiceClient(clientOptions);
  return {
    dashboards,
    alertPolicies,
    async close() {
      await Promise.all([dashboards.close(), alertPolicies.close()]);
    },
  };
}
