// What the results were measured on: CPU, cores, memory, load, and the versions that matter.
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  node: string;
  undici: string;
  googleGenai: string;
  loadAverageAtStart: number[];
}

// Read package.json files directly: @google/genai does not export its package.json.
function versionOf(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    os: `${osType()} ${release()}`,
    node: process.version,
    undici: versionOf('undici'),
    googleGenai: versionOf('@google/genai'),
    loadAverageAtStart: loadAverage(),
  };
}

export const loadAverage = (): number[] => loadavg().map((value) => Number(value.toFixed(2)));
