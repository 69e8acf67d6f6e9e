// Placeholder until the dashboards command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('gempool dashboards: not built yet\n');
  return 1;
}
