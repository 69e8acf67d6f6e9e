// Placeholder until the demo command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('gempool demo: not built yet\n');
  return 1;
}
