// Placeholder until the proxy command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('gempool proxy: not built yet\n');
  return 1;
}
