// `gempool dashboards install --project P [--legacy] [--dry-run]`: creates or updates gempool's
// Cloud Monitoring dashboards and alert policies. Exit codes: 0 done, 1 the API or files failed,
// 2 bad command line.
import { isGempoolError } from '@gempool/core';
import { findDashboardsDir, loadDashboardBundle } from '../dashboards/dashboard-bundle.js';
import { INSTALL_USAGE, parseInstallArgs } from '../dashboards/install-args.js';
import { installDashboards } from '../dashboards/install-dashboards.js';
import { createMonitoringClients, type ClosableMonitoringClients } from '../dashboards/monitoring-clients.js';

export interface DashboardsCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Builds the API clients. Default: gRPC with Application Default Credentials. */
  createClients?: (project: string) => ClosableMonitoringClients;
}

export async function run(argv: string[], io: DashboardsCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === '-h' || (subcommand === 'install' && (rest.includes('--help') || rest.includes('-h')))) {
    stdout(INSTALL_USAGE);
    return 0;
  }
  if (subcommand !== 'install') {
    stderr(`gempool dashboards: expected the subcommand \`install\`, got ${subcommand === undefined ? 'nothing' : `\`${subcommand}\``}\n\n${INSTALL_USAGE}`);
    return 2;
  }

  let args;
  try {
    args = parseInstallArgs(rest);
  } catch (error) {
    if (!isGempoolError(error, 'CONFIG_INVALID')) throw error;
    stderr(`gempool dashboards install: ${error.message}\n\n${INSTALL_USAGE}`);
    return 2;
  }

  const dir = args.dir ?? findDashboardsDir();
  if (dir === undefined) {
    stderr('gempool dashboards install: cannot find the dashboards folder (manifest.json); pass --dir\n');
    return 2;
  }
  let clients: ClosableMonitoringClients | undefined;
  try {
    const bundle = await loadDashboardBundle(dir, args.legacy ? 'legacy' : 'current');
    clients = (io.createClients ?? ((project) => createMonitoringClients({ projectId: project })))(args.project);
    const actions = await installDashboards({
      project: args.project,
      bundle,
      clients,
      dryRun: args.dryRun,
      notificationChannels: args.notificationChannels,
      log: (line) => stdout(`${line}\n`),
    });
    const created = actions.filter((action) => action.action === 'created').length;
    stdout(`${args.dryRun ? 'Dry run: would create' : 'Created'} ${created}, ${args.dryRun ? 'would update' : 'updated'} ${actions.length - created} (${args.legacy ? 'legacy workload.googleapis.com' : 'current PromQL'} metric path) in project ${args.project}.\n`);
    return 0;
  } catch (error) {
    if (isGempoolError(error, 'CONFIG_INVALID')) {
      stderr(`gempool dashboards install: ${error.message}\n`);
      return 2;
    }
    stderr(`gempool dashboards install: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await clients?.close();
  }
}
