// `gempool demo` (and `npm start`): one agent-fleet workload run three ways — a new connection per
// call, Node's default fetch, gempool — through the real @google/genai SDK, against the embedded
// fake Gemini server behind a simulated WAN (or, with GEMINI_API_KEY, a small run against the
// real API). Prints a live line per phase, a comparison table and writes an HTML report.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isGempoolError } from '@gempool/core';
import { DEMO_USAGE, parseDemoArgs, type DemoOptions } from '../demo/demo-options.js';
import { renderReportHtml } from '../demo/report-html.js';
import { runDemo, type DemoResult } from '../demo/run-demo.js';
import { renderTable } from '../demo/summary-table.js';

export interface DemoIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

const processIo: DemoIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  get stdoutIsTty() {
    return process.stdout.isTTY === true;
  },
  get stderrIsTty() {
    return process.stderr.isTTY === true;
  },
  env: process.env,
};

/** Exit codes: 0 done, 1 the run broke one of its own invariants, 2 bad flags. */
export async function run(argv: string[], io: DemoIo = processIo): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv, io.env);
  } catch (error) {
    if (!isGempoolError(error)) throw error;
    io.stderr(`gempool demo: ${error.message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  // With --json, stdout carries the JSON alone; progress goes to a terminal on stderr, if any.
  const progress = options.json ? { write: io.stderrIsTty ? io.stderr : undefined, tty: io.stderrIsTty } : { write: io.stdout, tty: io.stdoutIsTty };
  if (options.real) progress.write?.('GEMINI_API_KEY is set: a small run against the REAL Gemini API (billed to that key; --offline for the embedded server).\n');

  const { result, traces } = await runDemo(options, io.env, progress);
  if (options.reportPath !== undefined) {
    const path = resolve(options.reportPath);
    result.reportPath = path;
    await writeFile(path, renderReportHtml(result, traces));
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    io.stdout(`\n${renderTable(result.phases)}\n\n`);
    io.stdout(verdict(result));
    if (result.reportPath !== null) io.stdout(`Report: ${result.reportPath}\n`);
  }
  if (!result.invariants.allCallsAccounted) {
    io.stderr('gempool demo: some calls are unaccounted for (successes + failures ≠ calls); this is a bug.\n');
    return 1;
  }
  return 0;
}

function verdict(result: DemoResult): string {
  const before = result.phases.find((phase) => phase.name === 'per-call');
  const after = result.phases.find((phase) => phase.name === 'gempool');
  if (before === undefined || after === undefined || before.latencyMs === null || after.latencyMs === null) return '';
  const connections = before.connectionsOpened !== null && after.connectionsOpened !== null ? `${before.connectionsOpened} → ${after.connectionsOpened} connections, ` : '';
  return `gempool vs a new connection per call: ${connections}p95 ${before.latencyMs.p95.toFixed(0)} → ${after.latencyMs.p95.toFixed(0)} ms, ${before.failed} → ${after.failed} failed calls.\n`;
}
