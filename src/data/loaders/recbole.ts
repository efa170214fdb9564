// RecBole atomic files: `<name>.inter` with a typed header (`user_id:token\titem_id:token\trating:float\t
// timestamp:float`), tab separated; or the benchmark triple `<name>.train.inter` / `.valid.inter` /
// `.test.inter`, which keeps its split. Ids are tokens (strings), mapped to dense ids in sorted order.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { TokenMap, type InteractionLog } from '../log.js';
import type { Lines } from '../scan.js';
import { noteBlankLines, readTokenFile, tokenDataset, tokenLog, type ColumnIndex } from '../tokens.js';
import type { DataReportEntry, Dataset } from '../types.js';

export interface RecBoleOptions {
  name?: string;
  userField?: string;
  itemField?: string;
  ratingField?: string;
  timeField?: string;
}

function columns(o: RecBoleOptions) {
  return (header: string[], lines: Lines): ColumnIndex => {
    const names = header.map((h) => h.split(':')[0]);
    for (const h of header)
      if (!/^[^:]+:(token|token_seq|float|float_seq)$/.test(h)) throw lines.error('header', `'${h}' is not a RecBole 'name:type' field (type token, token_seq, float or float_seq)`);
    const find = (n: string) => names.indexOf(n);
    const user = find(o.userField ?? 'user_id');
    const item = find(o.itemField ?? 'item_id');
    if (user < 0) throw lines.error('header', `no '${o.userField ?? 'user_id'}' field (header: ${header.join(', ')})`);
    if (item < 0) throw lines.error('header', `no '${o.itemField ?? 'item_id'}' field (header: ${header.join(', ')})`);
    return { user, item, rating: find(o.ratingField ?? 'rating'), timestamp: find(o.timeField ?? 'timestamp') };
  };
}

/** Resolves the files: a `.inter` file, or a directory with `<name>.inter` or the train/valid/test triple. */
function recboleFiles(path: string): { single?: string; train?: string; valid?: string; test?: string; name: string } {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const files = readdirSync(path);
    const tr = files.find((f) => f.endsWith('.train.inter'));
    if (tr) {
      const stem = tr.slice(0, -'.train.inter'.length);
      const v = `${stem}.valid.inter`;
      return { train: join(path, tr), valid: files.includes(v) ? join(path, v) : undefined, test: join(path, `${stem}.test.inter`), name: stem };
    }
    const one = files.filter((f) => f.endsWith('.inter'));
    if (one.length !== 1) throw new DataError(path, 0, 'file', `expected one .inter file or a .train.inter/.test.inter pair, found ${one.length} .inter files`);
    return { single: join(path, one[0]), name: one[0].slice(0, -'.inter'.length) };
  }
  return { single: path, name: basename(path).replace(/\.inter$/, '') };
}

/** Loads RecBole data: a log (single .inter) or a pre-split Dataset (benchmark files). */
export function loadRecBole(path: string, opts: RecBoleOptions = {}): { log: InteractionLog } | { dataset: Dataset } {
  const f = recboleFiles(path);
  const userMap = new TokenMap();
  const itemMap = new TokenMap();
  const ro = { delim: 9, columns: columns(opts), userMap, itemMap };
  const report: DataReportEntry[] = [];
  const name = opts.name ?? f.name;
  if (f.single) {
    const t = readTokenFile(f.single, ro);
    if (t.users.length === 0) throw new DataError(f.single, 0, 'file', 'no interactions');
    noteBlankLines(t, report);
    return { log: tokenLog(t, userMap, itemMap, { name, source: { format: 'recbole', path: f.single }, report }) };
  }
  const tables = [readTokenFile(f.train!, ro), readTokenFile(f.test!, ro)];
  if (f.valid) tables.push(readTokenFile(f.valid, ro));
  if (tables[0].users.length === 0) throw new DataError(f.train!, 0, 'file', 'no interactions in the training file');
  for (const t of tables) noteBlankLines(t, report);
  return { dataset: tokenDataset(tables, userMap, itemMap, { name, source: { format: 'recbole', path }, report }) };
}
