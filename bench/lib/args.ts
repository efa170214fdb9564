// Tiny argv helpers shared by the benches (`--json`, `--json=path`, `--reps 7`, `--no-torch`).

export function hasFlag(argv: readonly string[], name: string): boolean {
  return argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** Value of `--name=v` or `--name v`; undefined when absent. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) return argv[i + 1];
  }
  return undefined;
}

export function intFlag(argv: readonly string[], name: string, dflt: number): number {
  const v = flagValue(argv, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got '${v}'`);
  return n;
}
