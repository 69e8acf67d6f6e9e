// Flags of `gempool dashboards install`. Bad flags are a ConfigError naming the flag, what it takes
// and what was given; the command turns that into exit code 2.
import { ConfigError } from '@gempool/core';

export interface InstallArgs {
  project: string;
  /** Install the variants for the legacy exporter's workload.googleapis.com metrics. */
  legacy: boolean;
  /** List what would change and let the API validate dashboards, without writing anything. */
  dryRun: boolean;
  /** Channels every installed alert policy notifies (`projects/P/notificationChannels/ID`). */
  notificationChannels: string[];
  /** Folder holding manifest.json; found next to the installed package when not given. */
  dir: string | undefined;
}

export const INSTALL_USAGE = `Usage: gempool dashboards install --project PROJECT_ID [--legacy] [--dry-run]
                                  [--notification-channel projects/P/notificationChannels/ID]...
                                  [--dir PATH]

Creates or updates gempool's Cloud Monitoring dashboards and alert policies (matched by their
gempool_id label or display name, so running it again updates in place and creates nothing).
Credentials: Application Default Credentials (gcloud auth application-default login).

  --project               Google Cloud project id (or number)
  --legacy                metrics from the legacy exporter (workload.googleapis.com/...)
  --dry-run               show what would be created or updated; dashboards are validated by the API
  --notification-channel  notification channel for every alert policy (repeatable); without it,
                          policies keep the channels they already have
  --dir                   folder with manifest.json (default: the dashboards shipped with gempool)
`;

const PROJECT_ID = /^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})$/;
const CHANNEL = /^projects\/[^/]+\/notificationChannels\/[^/]+$/;
const VALUE_FLAGS = new Set(['--project', '--notification-channel', '--dir']);
const SWITCHES = new Set(['--legacy', '--dry-run']);

export function parseInstallArgs(argv: readonly string[]): InstallArgs {
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (SWITCHES.has(flag) && inline === undefined) {
      switches.add(flag);
    } else if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined || value === '' || value.startsWith('--')) throw new ConfigError(flag, 'followed by a value', value);
      values.set(flag, [...(values.get(flag) ?? []), value]);
    } else {
      throw new ConfigError('argument', `one of ${[...VALUE_FLAGS, ...SWITCHES].join(', ')}`, arg);
    }
  }
  const projects = values.get('--project') ?? [];
  if (projects.length !== 1) throw new ConfigError('--project', 'given exactly once', projects.length === 0 ? undefined : projects);
  const project = projects[0]!;
  if (!PROJECT_ID.test(project)) throw new ConfigError('--project', 'a Google Cloud project id (6–30 lowercase letters, digits and hyphens) or number', project);
  const notificationChannels = values.get('--notification-channel') ?? [];
  for (const channel of notificationChannels) {
    if (!CHANNEL.test(channel)) throw new ConfigError('--notification-channel', 'projects/PROJECT/notificationChannels/ID', channel);
  }
  const dirs = values.get('--dir') ?? [];
  if (dirs.length > 1) throw new ConfigError('--dir', 'given at most once', dirs);
  return { project, legacy: switches.has('--legacy'), dryRun: switches.has('--dry-run'), notificationChannels, dir: dirs[0] };
}
