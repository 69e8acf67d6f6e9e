// `gempool proxy`: parse flags, start the service, drain on SIGTERM/SIGINT, exit 0. Exit code 2 for
// a bad flag or option (the message names it), 1 when the service cannot start.
import { isGempoolError } from '@gempool/core';
import { drainOnSignals } from '../proxy/drain-on-signals.js';
import { PROXY_USAGE, parseProxyArgs, type ParsedProxyArgs } from '../proxy/parse-proxy-args.js';
import { startProxy } from '../proxy/start-proxy.js';

const EXIT_BAD_USAGE = 2;

export async function run(argv: string[]): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let parsed: ParsedProxyArgs;
  try {
    parsed = parseProxyArgs(argv);
  } catch (error) {
    if (!isGempoolError(error, 'CONFIG_INVALID')) throw error;
    log(`gempool proxy: ${error.message}\nRun \`gempool proxy --help\` for the flags.`);
    return EXIT_BAD_USAGE;
  }
  if (parsed.help) {
    process.stdout.write(PROXY_USAGE);
    return 0;
  }
  for (const warning of parsed.warnings) log(`gempool proxy: warning: ${warning}`);

  // A long-running service must not drop every in-flight call because one background promise was
  // left unhandled somewhere: log it loudly (it is a bug) and keep serving.
  process.on('unhandledRejection', (reason) => {
    log(`gempool proxy: unhandled rejection (bug, service continues): ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`);
  });

  let proxy;
  try {
    proxy = await startProxy({ ...parsed.options, log });
  } catch (error) {
    if (isGempoolError(error, 'CONFIG_INVALID')) {
      log(`gempool proxy: ${error.message}`);
      return EXIT_BAD_USAGE;
    }
    log(`gempool proxy: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const { abandoned } = await drainOnSignals(proxy, { log });
  if (abandoned > 0) log(`gempool proxy: exited with ${abandoned} call(s) cut by the drain timeout`);
  return 0;
}
