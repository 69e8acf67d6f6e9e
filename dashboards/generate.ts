// Regenerates every dashboard, alert policy, Grafana file, README and the install manifest from
// dashboards/src. Run after editing a spec:  node_modules/.bin/node dashboards/generate.ts
// (`--check` exits 1 instead of writing when a committed file is out of date).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAll } from './src/generate-all.ts';

const here = dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes('--check');
const stale: string[] = [];

for (const [relative, content] of generateAll()) {
  const path = join(here, relative);
  if (existsSync(path) && readFileSync(path, 'utf8') === content) continue;
  stale.push(relative);
  if (!check) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

if (check && stale.length > 0) {
  process.stderr.write(`Out of date (run node_modules/.bin/node dashboards/generate.ts):\n  ${stale.join('\n  ')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(stale.length === 0 ? 'dashboards: up to date\n' : `dashboards: wrote ${stale.join(', ')}\n`);
}
