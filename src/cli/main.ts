#!/usr/bin/env node
// `hardneg <command> [options]`: dispatches to src/cli/<command>.ts, each exporting run(argv) → exit code.
const commands: Record<string, string> = {
  train: 'Train a model (no arguments: the built-in synthetic example)',
  eval: 'Evaluate a saved run on a split',
  recommend: 'Top-K recommendations for users from a saved run',
  data: 'Dataset tools: stats, split, download',
  sweep: 'Grid over config keys × seeds',
  compare: 'Compare runs in a paper-style table',
  version: 'Print the hardneg and Node versions (also --version)',
  serve: 'Serve a saved run over HTTP (recommend, similar, health, metrics)',
  report: 'An HTML report (charts, tables, Markdown/LaTeX/CSV twins) of the runs under a folder',
  reproduce: "A paper's table or figure as one resumable command (--list shows them)",
};

function usage(): string {
  const lines = ['usage: hardneg <command> [options]', '', 'commands:'];
  for (const [k, v] of Object.entries(commands)) lines.push(`  ${k.padEnd(10)} ${v}`);
  lines.push('', 'Run `hardneg <command> --help` for the options of one command; `hardneg --version` prints the version.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return 0;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    if (rest.length) {
      console.error(`hardneg ${cmd}: takes no arguments, got ${rest.join(' ')}`);
      return 2;
    }
    const { versionText } = await import('./common.js');
    console.log(versionText());
    return 0;
  }
  if (!(cmd in commands)) {
    console.error(`hardneg: unknown command '${cmd}'\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(`./${cmd}.js`)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error;
    // A usage error names the command it is about (the message names the flag).
    const where = e?.name === 'UsageError' && process.argv[2] ? `hardneg ${process.argv[2]}` : 'hardneg';
    console.error(`${where}: ${e?.message ?? String(err)}`);
    if (process.env.HARDNEG_DEBUG) console.error(e?.stack);
    // Bad input (config or flags) and a refused run folder (held by another writer, or holding a run) exit 2,
    // like a usage error; failures while running exit 1.
    process.exit(e?.name === 'ConfigError' || e?.name === 'UsageError' || e?.name === 'RunFolderError' ? 2 : 1);
  },
);
