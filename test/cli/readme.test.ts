// The README works as written (issue 16 item 7): every shell command in its ```sh blocks is run, in README order,
// from a scratch "clone" folder whose ../shared/data is the shared data (as for a fresh clone beside it), with
// `npx hardneg` standing for this build's CLI. Long training runs get `--dry-run` appended (config, run folder and
// data checked, nothing trained); the Ctrl-C example gets a SIGINT after its first evaluation, as its comment says.
// The table below names every command, so a README command without an entry (or an entry whose command left the
// README) fails the test. The ```ts blocks are type-checked against the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasSharedData, repoRoot, sharedData } from '../helpers/paths.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Out { code: number | null; out: string; err: string }
type Mode =
  | { mode: 'run'; check?: (r: Out, cwd: string) => void }
  | { mode: 'dry'; check?: (r: Out, cwd: string) => void }
  | { mode: 'interrupt'; check?: (r: Out, cwd: string) => void }
  /** Not run here (the install, the suite itself, the minutes-long fuzz suite): what it needs is checked. */
  | { mode: 'checked'; check: () => void };

/** The shell commands of the README's ```sh blocks, comments stripped, in order. */
export function readmeCommands(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of m[1].split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd && !cmd.startsWith('#')) out.push(cmd);
    }
  }
  return out;
}

const has = (re: RegExp) => (r: Out) => assert.match(r.out + r.err, re);

/** The serving block needs a running server: test/serving/server.test.ts runs these requests; here the CLI command is checked. */
const servedElsewhere: Mode = { mode: 'checked', check: () => assert.ok(existsSync(join(repoRoot, 'dist', 'src', 'cli', 'serve.js'))) };

const COMMANDS: Record<string, Mode> = {
  'npx hardneg report runs/sweep1': { mode: 'run', check: (r, cwd) => { assert.equal(r.code, 0, r.err); assert.ok(existsSync(join(cwd, 'runs', 'sweep1', 'report', 'report.html'))); } },
  'npx hardneg reproduce --list': { mode: 'run', check: has(/pdns fig4[\s\S]*\d+ items; \d+ runnable/) },
  'npx hardneg reproduce pdns fig4 --budget quick': { mode: 'dry', check: has(/pdns fig4 \(dry run\): \d+ arm/) },
  'npx hardneg serve runs/<run> --port 8080': servedElsewhere,
  "curl 'http://127.0.0.1:8080/recommend?user=196&k=10'": servedElsewhere,
  'curl -H \'content-type: application/json\' -d \'{"users":["196","186"],"k":5}\' http://127.0.0.1:8080/recommend': servedElsewhere,
  "curl 'http://127.0.0.1:8080/similar?item=50&k=5'": servedElsewhere,
  'curl http://127.0.0.1:8080/health': servedElsewhere,
  'curl http://127.0.0.1:8080/metrics': servedElsewhere,
  'kill -HUP <pid>': servedElsewhere,
  'npm ci && npx hardneg train': { mode: 'checked', check: () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    assert.equal(pkg.bin.hardneg, 'dist/src/cli/main.js');
    assert.match(pkg.scripts.prepare, /build/, 'npm ci builds through prepare');
  } },
  'npm test': { mode: 'checked', check: () => assert.ok(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts.test) },
  'node dist/test/fuzz/run.js --all': { mode: 'checked', check: () => assert.ok(existsSync(join(repoRoot, 'dist', 'test', 'fuzz', 'run.js'))) },
  'npx hardneg data stats ../shared/data/gowalla': { mode: 'run', check: has(/gowalla: 29,858 users × 40,981 items[\s\S]*train +29,858/) },
  'npx hardneg data stats -d gowalla --data-dir ../shared/data': { mode: 'run', check: has(/gowalla: 29,858 users × 40,981 items/) },
  'npx hardneg data split ../shared/data/ml-100k/u.data --split ratio:8:1:1 --seed 1 --out split/': { mode: 'run', check: (r, cwd) => {
    assert.match(r.out, /wrote \d+ files to split\//);
    assert.ok(existsSync(join(cwd, 'split', 'train.txt')));
  } },
  'npx hardneg data regions ../shared/data/ml-100k --khop 3 --users 0,1,2': { mode: 'run', check: has(/user/i) },
  'npx hardneg data download ml-100k': { mode: 'run', check: has(/ml-100k\/ml-100k\.zip: present/) },
  'npx hardneg train --preset mf-bpr-gowalla --dataset ../shared/data/gowalla': { mode: 'dry', check: (r) => {
    assert.match(r.out, /dry run: gowalla \(29858 users, 40981 items\) with mf \+ uniform, 400 epochs/);
    assert.match(r.err, /^preset mf-bpr-gowalla: dataset gowalla, mf \+ uniform, 400 epochs\nexpected run time of the preset as defined: ≈ 20 min \(measured/m);
  } },
  'npx hardneg train --dataset gowalla --data-dir ../shared/data --encoder lightgcn --sampler dins --set sampler.m=32 --set sampler.beta=2':
    { mode: 'dry', check: has(/dry run: gowalla \(29858 users, 40981 items\) with lightgcn \+ dins/) },
  'npx hardneg train --config examples/quickstart.yaml': { mode: 'run', check: has(/lastfm: mf \+ dns, seed 2024; best epoch \d\/4/) },
  'npx hardneg train --out runs/mine --epochs 200': { mode: 'interrupt', check: (r, cwd) => {
    assert.match(r.out, /\(interrupted\)/);
    assert.ok(existsSync(join(cwd, 'runs', 'mine', 'checkpoint.safetensors')), 'a resumable run');
  } },
  'npx hardneg train --resume runs/mine': { mode: 'run', check: has(/synthetic: mf \+ uniform, seed 2024; best epoch \d+\/\d+/) },
  'npx hardneg train --out runs/mine --force': { mode: 'run', check: has(/run saved to runs\/mine/) },
  'npx hardneg train -p recns-ml100k': { mode: 'dry', check: has(/dry run: ml-100k \(\d+ users, \d+ items\) with lightgcn \+ recns/) },
  'npx hardneg train -p gdns-gmf': { mode: 'dry', check: has(/dry run: ml-100k \(\d+ users, \d+ items\) with gmf \+ gdns, 300 epochs/) },
  'npx hardneg train -d ml-100k --epochs 4 --out runs/ml100k': { mode: 'run', check: has(/run saved to runs\/ml100k/) },
  'npx hardneg eval runs/mine --split test': { mode: 'run', check: has(/runs\/mine: synthetic test \(full ranking\)/) },
  'npx hardneg recommend runs/ml100k --users 196,186 --k 10 --format csv': { mode: 'run', check: (r) => {
    const rows = r.out.trim().split('\n');
    assert.equal(rows[0], 'user,rank,item,score');
    assert.equal(rows.length, 21);
    assert.deepEqual([...new Set(rows.slice(1).map((l) => l.split(',')[0]))], ['196', '186']);
  } },
  'npx hardneg sweep --grid sampler.name=uniform,dns --seeds 1,2 --epochs 4 --out runs/sweep1': { mode: 'run', check: has(/best cell by recall@20 on valid; runs in runs\/sweep1/) },
  'npx hardneg compare runs/sweep1 --group-seeds --markdown': { mode: 'run', check: has(/\| mf\+dns \(2 seeds\) +\| 0\.\d+/) },
  'npx hardneg sweep --preset mf-bpr-gowalla --grid sampler.name=uniform,dns --seeds 1,2,3 --out runs/gowalla-mf': { mode: 'dry', check: (r) => {
    assert.equal(r.out.trim().split('\n').length, 6, r.out);
    assert.match(r.err, /2 cell\(s\) × 3 seed\(s\) = 6 runs → runs\/gowalla-mf; nothing trained/);
  } },
};

function argvOf(cmd: string): string[] {
  const words = cmd.split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ['npx', 'hardneg'], cmd);
  return [MAIN, ...words.slice(2)];
}

function runSync(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Out {
  const r = spawnSync(process.execPath, argv, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs the command and sends SIGINT (Ctrl-C) once its first evaluation is reported. */
function runInterrupted(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Out> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env });
    let out = '';
    let err = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (!sent && /eval epoch \d+ \(valid\)/.test(err)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const needs = ['gowalla', 'ml-100k', 'lastfm'].filter((d) => !hasSharedData(d));

test('the README table covers exactly the README\'s shell commands', () => {
  const cmds = readmeCommands(README);
  assert.ok(cmds.length >= 15, `${cmds.length} commands`);
  assert.deepEqual(cmds.filter((c) => !(c in COMMANDS)), [], 'README commands without an entry in COMMANDS');
  assert.deepEqual(Object.keys(COMMANDS).filter((c) => !cmds.includes(c)), [], 'COMMANDS entries no longer in the README');
});

test('every README command runs as written from a fresh clone beside the shared data', { skip: needs.length > 0 && `no ../shared/data/${needs.join(', ')}` }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'hn-readme-'));
  try {
    // <root>/clone is the working directory, <root>/shared the shared data, as ../shared beside a clone.
    const clone = join(root, 'clone');
    mkdirSync(clone);
    symlinkSync(dirname(sharedData()), join(root, 'shared'), 'dir');
    symlinkSync(join(repoRoot, 'examples'), join(clone, 'examples'), 'dir');
    // `data download` targets $HARDNEG_DATA: a writable folder that already holds ML-100K (no network in tests).
    const dl = join(root, 'downloads', 'ml-100k');
    mkdirSync(dl, { recursive: true });
    for (const f of ['u.data', 'u.item', 'u.user', 'README']) symlinkSync(sharedData('ml-100k', f), join(dl, f));
    const env = { ...process.env, HARDNEG_DATA: join(root, 'downloads'), HARDNEG_THREADS: '1' };
    for (const cmd of readmeCommands(README)) {
      const m = COMMANDS[cmd];
      if (m.mode === 'checked') {
        m.check();
        continue;
      }
      const argv = argvOf(cmd);
      const r = m.mode === 'interrupt' ? await runInterrupted(argv, clone, env)
        : runSync(m.mode === 'dry' ? [...argv, '--dry-run'] : argv, clone, env);
      assert.equal(r.code, 0, `${cmd}\n${r.err}`);
      m.check?.(r, clone);
    }
    assert.ok(readdirSync(join(clone, 'runs')).includes('sweep1'));
    assert.ok(!existsSync(join(clone, 'runs', 'gowalla-mf')), 'the dry run wrote nothing');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the README\'s TypeScript examples type-check against the built package', () => {
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 1);
  const dir = mkdtempSync(join(tmpdir(), 'hn-readme-ts-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repoRoot, join(dir, 'node_modules', 'hardneg'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'readme.ts'), blocks.join('\n'));
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '--strict', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
      '--typeRoots', join(repoRoot, 'node_modules', '@types'), 'readme.ts'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
