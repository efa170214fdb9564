// The fuzz case generator: malformed inputs for every loader, config file, flag and run-folder file. Each case is
// plain data (files to write, then one operation), so a child process can run it under a timeout.
//   kind 'lib': an operation of the library run by the child (test/fuzz/child.ts), many per process;
//   kind 'cli': a `hardneg` command line run in its own process.
// expect 'error': the input is invalid, so a clear error is required (success would be a silent acceptance);
// expect 'any': a clear error or a result (with its fix-ups reported) are both fine.
import { Rng } from '../../src/core/rng.js';

export type FileSpec = string | { base64: string } | { fifo: true } | { dir: true } | { symlink: string };

export interface FuzzCase {
  id: string;
  area: 'loader' | 'guess' | 'config' | 'flags' | 'safetensors' | 'run' | 'resume' | 'library';
  kind: 'lib' | 'cli';
  /** lib operation name (child.ts) or, for cli, the argv with $DIR for the case folder and $RUN for its run copy. */
  op: string;
  args: unknown;
  /** Files to create under the case folder ($DIR); for run cases, files replaced in the copied run folder. */
  files: Record<string, FileSpec>;
  expect: 'error' | 'any';
  /** Run cases: an edit of model.safetensors's tensors (harness.ts). */
  tensorEdit?: string | null;
}

const BIG = ['2147483647', '2147483648', '50000000', '1000000000', '99999999999999999999', '-1', '1.5', '1e3', '0x10', '+5',
  'NaN', 'abc', '', '٣', '1 2', '\u0000'];

interface Format {
  name: string;
  /** Valid files (folder-relative). */
  files: Record<string, string>;
  /** The spec to load them (path relative to the case folder). */
  spec: Record<string, unknown>;
  /** The file mutations target, and a line template with ID for a field. */
  target: string;
  lines: (id: string) => string[];
}

const FORMATS: Format[] = [
  { name: 'lightgcn', files: { 'train.txt': '0 1 2 3\n1 2 4\n2 0 5\n', 'test.txt': '0 4\n1 0\n2 1\n' }, spec: { format: 'lightgcn' }, target: 'train.txt',
    lines: (id) => [`0 ${id} 2\n`, `${id} 1 2\n`, `1 2 ${id}\n`] },
  { name: 'lastfm', files: { 'data1.txt': '1\t1\t5\r\n1\t2\t3\r\n2\t3\t1\r\n3\t1\t2\r\n', 'test1.txt': '1\t3\t1\r\n2\t1\t2\r\n' }, spec: { format: 'lastfm' }, target: 'data1.txt',
    lines: (id) => [`1\t${id}\t5\n`, `${id}\t1\t5\n`, `1\t1\t${id}\n`] },
  { name: 'mixgcf', files: { 'train.txt': '0 3\n1 4\n2 5\n0 4\n', 'test.txt': '1 3\n2 4\n' }, spec: { format: 'mixgcf' }, target: 'train.txt',
    lines: (id) => [`0 ${id}\n`, `${id} 5\n`, `${id} ${id}\n`] },
  { name: 'ncf', files: { 'x.train.rating': '0\t1\t5\t10\n1\t2\t4\t11\n2\t0\t3\t12\n', 'x.test.rating': '0\t2\t5\t13\n1\t0\t4\t14\n', 'x.test.negative': '(0,2)\t1\t0\n(1,0)\t1\t2\n' },
    spec: { format: 'ncf' }, target: 'x.train.rating', lines: (id) => [`0\t${id}\t5\t1\n`, `${id}\t1\t5\t1\n`, `0\t1\t${id}\t1\n`] },
  { name: 'ncf-neg', files: { 'x.train.rating': '0\t1\t5\t10\n1\t2\t4\t11\n2\t0\t3\t12\n', 'x.test.rating': '0\t2\t5\t13\n1\t0\t4\t14\n', 'x.test.negative': '(0,2)\t1\t0\n(1,0)\t1\t2\n' },
    spec: { format: 'ncf' }, target: 'x.test.negative', lines: (id) => [`(0,2)\t${id}\t1\n`, `(${id},2)\t1\t0\n`, `(0,2\t1\n`] },
  { name: 'movielens', files: { 'u.data': '1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t1\t4\t881250951\n2\t3\t1\t881250952\n3\t2\t2\t881250953\n' },
    spec: { format: 'movielens', file: 'u.data' }, target: 'u.data', lines: (id) => [`1\t${id}\t5\t1\n`, `${id}\t1\t5\t1\n`, `1\t1\t${id}\t1\n`, `1\t1\t5\t${id}\n`] },
  { name: 'recbole', files: { 'x.inter': 'user_id:token\titem_id:token\trating:float\n1\t1\t5\n1\t2\t3\n2\t1\t4\n2\t3\t2\n3\t1\t1\n' },
    spec: { format: 'recbole', file: 'x.inter' }, target: 'x.inter', lines: (id) => [`1\t${id}\t5\n`, `${id}\t1\t5\n`, `1\t1\t${id}\n`] },
  { name: 'csv', files: { 'x.csv': 'user,item,rating\n1,1,5\n1,2,3\n2,1,4\n2,3,2\n3,1,1\n' }, spec: { format: 'csv', file: 'x.csv' }, target: 'x.csv',
    lines: (id) => [`1,${id},5\n`, `${id},1,5\n`, `1,1,${id}\n`, `"${id}",1,5\n`] },
];

function specFor(f: Format): Record<string, unknown> {
  const { file, ...rest } = f.spec as { file?: string };
  return { ...rest, path: file ? `$DIR/${file}` : '$DIR' };
}

const b64 = (b: Uint8Array) => ({ base64: Buffer.from(b).toString('base64') });

function garbage(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

/** Every case, deterministic for (seed, scale): scale 1 is the npm-test subset's size, larger scales add random mutations. */
export function generateCases(seed = 1, scale = 1): FuzzCase[] {
  const rng = Rng.stream(seed, 'fuzz');
  const out: FuzzCase[] = [];
  const add = (c: Omit<FuzzCase, 'id'> & { id?: string }) => out.push({ ...c, id: c.id ?? `${c.area}-${out.length}` } as FuzzCase);

  // ---------------------------------------------------------------- loaders
  for (const f of FORMATS) {
    const spec = specFor(f);
    const base = f.files;
    const orig = base[f.target];
    const mutate = (name: string, content: FileSpec, expect: 'error' | 'any' = 'error') =>
      add({ id: `loader-${f.name}-${name}`, area: 'loader', kind: 'lib', op: 'load', args: spec, files: { ...base, [f.target]: content }, expect });
    mutate('valid', orig, 'any');
    for (const [li, tmpl] of f.lines('X').entries()) {
      for (const id of BIG) {
        const line = tmpl.replace(/X/g, id);
        const huge = ['2147483647', '2147483648', '50000000', '1000000000', '99999999999999999999'].includes(id);
        // Ratings/timestamps accept numbers; ids must be integers within the limits.
        mutate(`line${li}-${JSON.stringify(id)}`, orig + line, huge || id === '-1' || id === 'abc' || id === 'NaN' || id === '' ? 'any' : 'any');
        if (huge) mutate(`only${li}-${id}`, f.target.endsWith('.inter') || f.target.endsWith('.csv') ? orig.split('\n')[0] + '\n' + line : line, 'any');
      }
    }
    mutate('empty', '', 'error');
    mutate('bom-only', '\ufeff', 'error');
    mutate('blank-lines', '\n\n' + orig.replace(/\n/g, '\n\n'), 'any');
    mutate('crlf', orig.replace(/\r?\n/g, '\r\n'), 'any');
    mutate('no-final-newline', orig.replace(/\r?\n$/, ''), 'any');
    mutate('truncated', orig.slice(0, Math.floor(orig.length / 2)), 'any');
    mutate('binary', b64(garbage(rng, 257)), 'any');
    mutate('nul-bytes', orig.replace(/\t| |,/, '\u0000'), 'any');
    mutate('long-line', orig + '1'.repeat(200_000) + '\n', 'any');
    mutate('many-fields', orig + Array.from({ length: 5000 }, (_, i) => i).join(f.target.endsWith('.csv') ? ',' : '\t') + '\n', 'any');
    mutate('fifo', { fifo: true }, 'error');
    mutate('directory', { dir: true }, 'error');
    mutate('dangling-symlink', { symlink: 'no-such-target' }, 'error');
    mutate('symlink-loop', { symlink: f.target }, 'error');
    mutate('latin1', Buffer.from(orig.replace('1', 'é'), 'latin1').toString('latin1'), 'any');
    add({ id: `loader-${f.name}-missing-dir`, area: 'loader', kind: 'lib', op: 'load', args: { ...spec, path: '$DIR/nope' }, files: {}, expect: 'error' });
    add({ id: `loader-${f.name}-unknown-option`, area: 'loader', kind: 'lib', op: 'load', args: { ...spec, options: { trian: 'x' } }, files: base, expect: 'error' });
    add({ id: `loader-${f.name}-proto-option`, area: 'loader', kind: 'lib', op: 'load', args: { ...spec, options: JSON.parse('{"__proto__": {"x": 1}}') }, files: base, expect: 'error' });
    for (let r = 0; r < 4 * scale; r++) {
      // Random byte flips / insertions of the valid file.
      const bytes = Buffer.from(orig, 'latin1');
      const m = Buffer.from(bytes);
      for (let k = 0; k < 1 + rng.int(4); k++) m[rng.int(m.length)] = [48, 57, 45, 32, 9, 10, 13, 0, 255, 44][rng.int(10)];
      mutate(`flip${r}`, b64(m), 'any');
    }
  }
  // Options with absurd values.
  for (const [opt, v] of [['maxId', -1], ['maxId', 1.5], ['maxIdsPerRecord', 'x'], ['numUsers', 1e12], ['numItems', -3], ['itemOffset', 1e15]] as const) {
    const f = FORMATS.find((x) => (opt === 'numUsers' || opt === 'numItems' ? x.name === 'lastfm' : opt === 'itemOffset' ? x.name === 'mixgcf' : x.name === 'lightgcn'))!;
    add({ id: `loader-${f.name}-option-${opt}-${v}`, area: 'loader', kind: 'lib', op: 'load', args: { ...specFor(f), options: { [opt]: v } }, files: f.files, expect: 'error' });
  }

  // ---------------------------------------------------------------- format guessing
  const guessDirs: Array<[string, Record<string, FileSpec>]> = [
    ['13-byte-lightgcn', { 'train.txt': '0 2147483647\n', 'test.txt': '' }],
    ['pairs-huge', { 'train.txt': '5 2147483647\n6 2147483640\n', 'test.txt': '5 7\n' }],
    ['fifo-train', { 'train.txt': { fifo: true }, 'test.txt': '0 1\n' }],
    ['dir-train', { 'train.txt': { dir: true }, 'test.txt': '0 1\n' }],
    ['binary-train', { 'train.txt': b64(garbage(rng, 300)), 'test.txt': '0 1\n' }],
    ['empty', {}],
    ['lastfm-fifo', { 'data1.txt': { fifo: true }, 'test1.txt': { fifo: true } }],
    ['ncf-two', { 'a.train.rating': '0\t1\t1\t1\n', 'b.train.rating': '0\t1\t1\t1\n' }],
    ['inter-garbage', { 'x.inter': b64(garbage(rng, 100)) }],
    ['u-data-dir', { 'u.data': { dir: true } }],
  ];
  for (const [name, files] of guessDirs) {
    add({ id: `guess-${name}`, area: 'guess', kind: 'lib', op: 'guess', args: '$DIR', files, expect: name === 'empty' ? 'error' : 'any' });
    add({ id: `guess-cli-${name}`, area: 'guess', kind: 'cli', op: 'data stats $DIR', args: ['data', 'stats', '$DIR'], files, expect: 'any' });
  }

  // ---------------------------------------------------------------- config files
  const configs: Array<[string, string, 'error' | 'any']> = [
    ['proto.json', '{"__proto__": {"evalProtocol": "sampled"}}', 'error'],
    ['proto-nested.json', '{"optimizer": {"__proto__": {"lr": 5}}}', 'error'],
    ['constructor.json', '{"constructor": {"name": "x"}}', 'error'],
    ['prototype.yaml', 'sampler:\n  name: dns\n  prototype: 1\n', 'error'],
    ['proto.yaml', '__proto__:\n  epochs: 1\n', 'error'],
    ['spilt.yaml', 'dataset:\n  name: synthetic\n  spilt: loo\n', 'error'],
    ['options-typo.yaml', 'dataset:\n  format: lightgcn\n  path: x\n  options:\n    trian: a\n', 'error'],
    ['dup.yaml', 'epochs: 1\nepochs: 2\n', 'error'],
    ['bad.yaml', 'epochs: [1\n', 'error'],
    ['tab.yaml', 'epochs:\t1\n\tseed: 2\n', 'any'],
    ['list.yaml', '- 1\n- 2\n', 'error'],
    ['scalar.yaml', '42\n', 'error'],
    ['empty.yaml', '', 'any'],
    ['null.json', 'null', 'any'],
    ['bad.json', '{"epochs": 1,}', 'error'],
    ['deep.json', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), 'error'],
    ['deep.yaml', 'a:\n' + Array.from({ length: 300 }, (_, i) => '  '.repeat(i + 1) + 'a:').join('\n') + ' 1\n', 'error'],
    ['bomb.yaml', 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n', 'error'],
    ['users-huge.yaml', 'dataset:\n  name: synthetic\n  synthetic:\n    users: 1000000000000\n', 'error'],
    ['dim-huge.yaml', 'encoder:\n  name: mf\n  dim: 1000000000\n', 'error'],
    ['ks-huge.yaml', 'ks: [1000000000]\n', 'error'],
    ['ks-empty.yaml', 'ks: []\n', 'error'],
    ['epochs-neg.yaml', 'epochs: -1\n', 'error'],
    ['epochs-inf.json', '{"epochs": 1e400}', 'error'],
    ['lr-string.yaml', 'optimizer:\n  name: adam\n  lr: fast\n', 'error'],
    ['metric.yaml', 'metric: recall@0\n', 'error'],
    ['kcore.yaml', 'dataset:\n  name: synthetic\n  kcore: 0\n', 'error'],
    ['split.yaml', 'dataset:\n  name: synthetic\n  split: ratio:a:b\n', 'error'],
    ['format.yaml', 'dataset:\n  format: feather\n  path: x\n', 'error'],
    ['dataset-num.yaml', 'dataset: 5\n', 'error'],
    ['dataset-list.yaml', 'dataset: [a]\n', 'error'],
    ['unknown-top.yaml', 'epocs: 3\n', 'error'],
    ['preset.yaml', 'preset: nope\n', 'error'],
    ['threads.yaml', 'threads: 100\n', 'error'],
    ['binary.yaml', Buffer.from(garbage(rng, 200)).toString('latin1'), 'error'],
    ['huge-keys.yaml', Array.from({ length: 20000 }, (_, i) => `k${i}: ${i}`).join('\n'), 'error'],
    ['evalneg.yaml', 'evalNegatives: 1000000000000\n', 'error'],
    ['valid-ok.yaml', 'epochs: 2\nseed: 3\n', 'any'],
  ];
  for (const [name, text, expect] of configs) {
    add({ id: `config-${name}`, area: 'config', kind: 'lib', op: 'config', args: `$DIR/${name}`, files: { [name]: text }, expect });
  }
  for (const name of ['proto.json', 'spilt.yaml', 'bomb.yaml', 'users-huge.yaml', 'binary.yaml', 'deep.json']) {
    const text = configs.find((c) => c[0] === name)![1];
    add({ id: `config-cli-${name}`, area: 'config', kind: 'cli', op: 'train --config', args: ['train', '--config', `$DIR/${name}`, '--out', '$DIR/run'], files: { [name]: text }, expect: 'error' });
  }
  add({ id: 'config-cli-fifo', area: 'config', kind: 'cli', op: 'train --config fifo', args: ['train', '--config', '$DIR/c.yaml', '--no-save'], files: { 'c.yaml': { fifo: true } }, expect: 'error' });
  add({ id: 'config-cli-dir', area: 'config', kind: 'cli', op: 'train --config dir', args: ['train', '--config', '$DIR/c.yaml', '--no-save'], files: { 'c.yaml': { dir: true } }, expect: 'error' });

  // ---------------------------------------------------------------- --set overrides and flags
  const sets = ['__proto__.evalProtocol=sampled', 'constructor=1', 'sampler.constructor.x=1', 'prototype=2', 'toString=1', 'dataset.spilt=loo',
    'dataset.options.x=1', 'encoder.dim=0', 'encoder.dim=1e12', 'encoder.layers=-1', 'ks=[0]', 'ks=[1,1e12]', 'batchSize=0', 'seed=-1',
    'seed=1e300', 'epochs=NaN', 'optimizer.lr=0', 'optimizer.name=adamw', 'validFraction=1', 'evalProtocol=partial', 'a..b=1', '=1', 'x', '.=1',
    'dataset.synthetic.users=0', 'dataset.synthetic.items=1e12', 'dataset.synthetic.interactionsPerUser=1e9', 'groupSize=1e9',
    'evalNegatives=0', 'stepsPerEpoch=-1', 'patience=1.5', 'metric=foo@20', 'loss.name=', 'hasOwnProperty=1', 'dataset.__proto__.x=1'];
  for (const s of sets) add({ id: `flags-set-${s}`, area: 'flags', kind: 'lib', op: 'set', args: [s], files: {}, expect: 'error' });
  const argvs: string[][] = [
    ['train', '--threads', '65'], ['train', '--threads', '0'], ['train', '--threads', 'x'], ['train', '--epochs'], ['train', '--bogus'],
    ['train', '--set', '__proto__.evalProtocol=sampled', '--no-save'], ['train', '--resume', '$DIR/none'], ['train', '--resume', '$DIR', '--epochs', '3'],
    ['eval'], ['eval', '$DIR/none'], ['eval', '$DIR', '--split', 'nope'], ['recommend', '$DIR/none', '--k', '0'], ['recommend'],
    ['sweep', '--grid', 'x'], ['sweep', '--grid', 'encoder.dim=0,1', '--out', '$DIR/sw'], ['sweep', '--parallel', '9'], ['data'], ['data', 'stats'],
    ['data', 'split', 'synthetic'], ['data', 'download', 'nosuch', '--dir', '$DIR'], ['compare'], ['compare', '$DIR/none'], ['nosuchcommand'],
    ['train', '--dataset', '/dev/zero', '--no-save'], ['train', '--dataset', '$DIR', '--no-save'], ['train', '--ks', '0', '--no-save'],
  ];
  for (const a of argvs) add({ id: `flags-cli-${a.join(' ')}`, area: 'flags', kind: 'cli', op: a.join(' '), args: a, files: {}, expect: 'error' });

  // ---------------------------------------------------------------- safetensors headers
  const header = (h: unknown, data = 0, len?: bigint): Uint8Array => {
    const json = Buffer.from(typeof h === 'string' ? h : JSON.stringify(h));
    const b = Buffer.alloc(8 + json.length + data);
    b.writeBigUInt64LE(len ?? BigInt(json.length), 0);
    json.copy(b, 8);
    return new Uint8Array(b);
  };
  const heads: Array<[string, Uint8Array]> = [
    ['short', new Uint8Array(3)], ['len-huge', header({}, 0, 2n ** 63n)], ['len-max', header({}, 0, 2n ** 64n - 1n)], ['len-plus1', header({}, 0, 3n)],
    ['not-json', header('{{{')], ['array', header([1])], ['null', header('null')], ['entry-num', header({ a: 1 })], ['entry-null', header({ a: null })],
    ['shape-huge', header({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, 4)],
    ['shape-neg', header({ a: { dtype: 'F32', shape: [-1, -4], data_offsets: [0, 16] } }, 16)],
    ['shape-frac', header({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4)],
    ['shape-str', header({ a: { dtype: 'F32', shape: '4', data_offsets: [0, 16] } }, 16)],
    ['offs-out', header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 1e300] } }, 8)],
    ['offs-rev', header({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8)],
    ['offs-str', header({ a: { dtype: 'F32', shape: [2], data_offsets: ['0', '8'] } }, 8)],
    ['dtype-bad', header({ a: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, 4)],
    ['meta-num', header({ __metadata__: { a: 1 } })], ['meta-list', header({ __metadata__: [1] })],
    ['proto-name', header('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4)],
    ['ok-empty', header({})],
  ];
  for (const [name, bytes] of heads) {
    add({ id: `safetensors-${name}`, area: 'safetensors', kind: 'lib', op: 'safetensors', args: '$DIR/x.safetensors', files: { 'x.safetensors': b64(bytes) }, expect: name.startsWith('ok') ? 'any' : 'error' });
  }
  for (let r = 0; r < 6 * scale; r++) {
    add({ id: `safetensors-garbage${r}`, area: 'safetensors', kind: 'lib', op: 'safetensors', args: '$DIR/x.safetensors', files: { 'x.safetensors': b64(garbage(rng, 8 + rng.int(200))) }, expect: 'error' });
  }

  // ---------------------------------------------------------------- run folders (a copy of a finished run, then mutated)
  // Mutations are named instructions the child applies to the copy: files replaced, or tensors edited.
  const runMutations: Array<[string, Record<string, FileSpec>, string | null, 'error' | 'any']> = [
    ['intact', {}, null, 'any'],
    ['config-garbage', { 'config.json': '{{' }, null, 'error'],
    ['config-empty', { 'config.json': '' }, null, 'error'],
    ['config-fifo', { 'config.json': { fifo: true } }, null, 'error'],
    ['config-dir', { 'config.json': { dir: true } }, null, 'error'],
    ['config-proto', { 'config.json': '{"__proto__": {"epochs": 3}}' }, null, 'error'],
    ['dataset-garbage', { 'dataset.json': 'x' }, null, 'error'],
    ['dataset-fifo', { 'dataset.json': { fifo: true } }, null, 'error'],
    ['summary-missing', { 'summary.json': { symlink: 'none' } }, null, 'error'],
    ['summary-fifo', { 'summary.json': { fifo: true } }, null, 'error'],
    ['model-empty', { 'model.safetensors': '' }, null, 'error'],
    ['model-fifo', { 'model.safetensors': { fifo: true } }, null, 'error'],
    ['model-dir', { 'model.safetensors': { dir: true } }, null, 'error'],
    ['model-garbage', { 'model.safetensors': b64(garbage(rng, 500)) }, null, 'error'],
    ['lock-live', { '.hardneg.lock': JSON.stringify({ pid: 1, host: '$HOST', started: 'now' }) }, null, 'error'],
    ['lock-garbage', { '.hardneg.lock': 'xx' }, null, 'any'],
  ];
  for (const t of ['truncate-8', 'truncate-header', 'truncate-data', 'len-huge', 'users-i32', 'items-f64', 'users-nan', 'items-inf', 'bias-nan',
    'users-rows', 'items-cols', 'users-1d', 'drop-users', 'drop-items', 'param-nan', 'bias-len', 'users-i64', 'header-garbage']) {
    runMutations.push([`model-${t}`, {}, t, t === 'items-f64' ? 'error' : 'error']);
  }
  for (const [name, files, tensorEdit, expect] of runMutations) {
    add({ id: `run-open-${name}`, area: 'run', kind: 'lib', op: 'openRun', args: {}, files, expect, tensorEdit });
  }
  for (const name of ['config-garbage', 'model-fifo', 'model-users-i32', 'model-users-nan', 'model-len-huge', 'summary-missing', 'lock-live']) {
    const m = runMutations.find((x) => x[0] === name)!;
    for (const cmd of [['eval', '$RUN'], ['recommend', '$RUN', '--users', '0']]) {
      add({ id: `run-cli-${cmd[0]}-${name}`, area: 'run', kind: 'cli', op: cmd.join(' '), args: cmd, files: m[1], expect: 'error', tensorEdit: m[2] });
    }
  }
  add({ id: 'run-cli-users-file-fifo', area: 'run', kind: 'cli', op: 'recommend --users-file fifo', args: ['recommend', '$RUN', '--users-file', '$RUN/u.txt'], files: { 'u.txt': { fifo: true } }, expect: 'error' });

  // ---------------------------------------------------------------- resume of an interrupted run (a copy with its checkpoint)
  const resumeMutations: Array<[string, Record<string, FileSpec>, 'error' | 'any']> = [
    ['intact', {}, 'any'],
    ['checkpoint-empty', { 'checkpoint.safetensors': '' }, 'error'],
    ['checkpoint-garbage', { 'checkpoint.safetensors': b64(garbage(rng, 1000)) }, 'error'],
    ['checkpoint-fifo', { 'checkpoint.safetensors': { fifo: true } }, 'error'],
    ['checkpoint-dir', { 'checkpoint.safetensors': { dir: true } }, 'error'],
    ['checkpoint-missing', { 'checkpoint.safetensors': { symlink: 'none' } }, 'error'],
    ['metrics-short', { 'metrics.jsonl': '' }, 'error'],
    ['metrics-fifo', { 'metrics.jsonl': { fifo: true } }, 'error'],
    ['config-other', { 'config.json': '$CONFIG_SEED_9' }, 'error'],
    ['config-garbage', { 'config.json': '[' }, 'error'],
    ['lock-live', { '.hardneg.lock': JSON.stringify({ pid: 1, host: '$HOST', started: 'now' }) }, 'error'],
    ['lock-stale', { '.hardneg.lock': JSON.stringify({ pid: 2 ** 30, host: '$HOST', started: 'then' }) }, 'any'],
  ];
  for (const [name, files, expect] of resumeMutations) {
    add({ id: `resume-${name}`, area: 'resume', kind: 'lib', op: 'resume', args: {}, files, expect });
  }
  for (const name of ['checkpoint-garbage', 'checkpoint-fifo', 'metrics-fifo', 'lock-live', 'intact']) {
    const m = resumeMutations.find((x) => x[0] === name)!;
    add({ id: `resume-cli-${name}`, area: 'resume', kind: 'cli', op: 'train --resume', args: ['train', '--resume', '$RESUME', '-q'], files: m[1], expect: m[2] });
  }

  // ---------------------------------------------------------------- library calls with bad inputs (then a good call)
  const lib: Array<[string, unknown]> = [
    // Numbers JSON cannot carry are strings ('NaN', 'Infinity'), turned back into numbers by the child.
    ['recommend-user-big', { users: [1e9] }], ['recommend-user-neg', { users: [-1] }], ['recommend-user-frac', { users: [0.5] }],
    ['recommend-user-nan', { users: ['NaN'] }], ['recommend-k0', { k: 0 }], ['recommend-knan', { k: 'NaN' }], ['recommend-kinf', { k: 'Infinity' }],
    ['recommend-dim0', { dim: 0 }], ['recommend-dimnan', { dim: 'NaN' }], ['recommend-short', { short: true }],
    ['heap-nan', { alloc: 'NaN' }], ['heap-neg', { alloc: -5 }], ['heap-frac', { alloc: 0.5 }], ['heap-huge', { alloc: 2 ** 40 }], ['heap-inf', { alloc: 'Infinity' }],
    ['train-bad-dataset', { train: 'bad-dataset' }], ['train-nan-users', { train: 'nan-users' }], ['train-bad-config', { train: 'bad-config' }],
    ['train-proto-config', { train: 'proto-config' }], ['threads-100', { threads: 100 }], ['threads-0', { threads: 0 }],
  ];
  for (const [name, args] of lib) add({ id: `library-${name}`, area: 'library', kind: 'lib', op: 'library', args, files: {}, expect: name === 'threads-100' ? 'any' : 'error' });
  return out;
}
