#!/usr/bin/env node
// The `gempool` command: each subcommand lives in its own module under commands/ and is loaded
// only when asked for, so `gempool proxy` never pays for the demo's dependencies.

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  demo: { summary: 'run the agent-fleet demo against the embedded fake Gemini server (or the real API with GEMINI_API_KEY)', load: () => import('./commands/demo.js') },
  proxy: { summary: 'run the pooled Gemini REST proxy service', load: () => import('./commands/proxy.js') },
  dashboards: { summary: 'install Cloud Monitoring dashboards and alert policies (dashboards install --project P [--legacy])', load: () => import('./commands/dashboards.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  gempool ${name.padEnd(11)} ${command.summary}`);
  return `Usage:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`Unknown command \`${name}\`.\n${usage()}`);
    return 1;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gempool: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
