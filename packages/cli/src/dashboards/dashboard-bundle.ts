// The dashboards and alert policies to install, read from a folder's manifest.json (written by
// dashboards/generate.ts). The folder is found by walking up from this module: in the monorepo
// that is <repo>/dashboards; a published package carries it as <package>/dashboards.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@gempool/core';

export type MetricPath = 'current' | 'legacy';

export interface BundleItem {
  /** Stable id (the `gempool_id` label value), e.g. `pool-health`. */
  id: string;
  displayName: string;
  /** Proto3 JSON of a Dashboard or an AlertPolicy. */
  body: Record<string, unknown>;
}

export interface DashboardBundle {
  dir: string;
  dashboards: BundleItem[];
  alerts: BundleItem[];
}

interface ManifestEntry {
  id: string;
  displayName: string;
  current: string;
  legacy: string;
}

/** The first `dashboards/manifest.json` found walking up from `from`. */
export function findDashboardsDir(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'dashboards');
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isEntry(value: unknown): value is ManifestEntry {
  const entry = value as Record<string, unknown>;
  return typeof value === 'object' && value !== null && ['id', 'displayName', 'current', 'legacy'].every((key) => typeof entry[key] === 'string');
}

async function readEntries(dir: string, entries: unknown, path: MetricPath, kind: string): Promise<BundleItem[]> {
  if (!Array.isArray(entries) || !entries.every(isEntry)) throw new ConfigError(`manifest.json ${kind}`, 'a list of {id, displayName, current, legacy}', entries);
  return Promise.all(
    entries.map(async (entry) => ({
      id: entry.id,
      displayName: entry.displayName,
      body: JSON.parse(await readFile(join(dir, entry[path]), 'utf8')) as Record<string, unknown>,
    })),
  );
}

export async function loadDashboardBundle(dir: string, path: MetricPath): Promise<DashboardBundle> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new ConfigError('--dir', 'a folder containing manifest.json', dir);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { dashboards?: unknown; alerts?: unknown };
  return {
    dir,
    dashboards: await readEntries(dir, manifest.dashboards, path, 'dashboards'),
    alerts: await readEntries(dir, manifest.alerts, path, 'alerts'),
  };
}
