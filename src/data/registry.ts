// The one table of named datasets: short name → format, where it lives under a data root, and (for
// `hardneg data download`) where it comes from. Data roots, in order: an explicit dir, $HARDNEG_DATA,
// ../shared/data beside the working directory or the package, ~/.cache/hardneg/data (the download default).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { FileError, readHead } from '../io/files.js';
import { DataError } from './errors.js';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Format = 'lightgcn' | 'lastfm' | 'movielens' | 'mixgcf' | 'ncf' | 'recbole' | 'csv' | 'parquet' | 'synthetic';
export const FORMATS: readonly Format[] = ['lightgcn', 'lastfm', 'movielens', 'mixgcf', 'ncf', 'recbole', 'csv', 'parquet', 'synthetic'];

export interface NamedDataset {
  format: Format;
  /** Candidate folders under a data root, first match wins. */
  dirs: string[];
  description: string;
  /** Options passed to the loader (e.g. a default rating threshold). */
  defaults?: Record<string, unknown>;
}

export const NAMED_DATASETS: Record<string, NamedDataset> = {
  gowalla: { format: 'lightgcn', dirs: ['gowalla/light_gcn_gowalla', 'gowalla'], description: 'Gowalla, LightGCN/NGCF 10-core 80/20 split' },
  yelp2018: { format: 'lightgcn', dirs: ['yelp2018'], description: 'Yelp2018, LightGCN split' },
  'amazon-book': { format: 'lightgcn', dirs: ['amazon-book'], description: 'Amazon-book, LightGCN split' },
  lastfm: { format: 'lastfm', dirs: ['lastfm'], description: 'LastFM (HetRec 2k), LightGCN-PyTorch split' },
  'ml-100k': { format: 'movielens', dirs: ['ml-100k'], description: 'MovieLens-100K ratings (u.data), unsplit' },
  'ml-1m': { format: 'movielens', dirs: ['ml-1m'], description: 'MovieLens-1M ratings (ratings.dat), unsplit' },
  synthetic: { format: 'synthetic', dirs: [], description: 'built-in seeded synthetic dataset (no files)' },
};

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Default download folder. */
export function defaultDataDir(): string {
  return process.env.HARDNEG_DATA ?? join(homedir(), '.cache', 'hardneg', 'data');
}

export function dataRoots(explicit?: string): string[] {
  const roots: string[] = [];
  if (explicit) roots.push(resolve(explicit));
  if (process.env.HARDNEG_DATA) roots.push(resolve(process.env.HARDNEG_DATA));
  roots.push(resolve('..', 'shared', 'data'), resolve(packageRoot, '..', 'shared', 'data'), join(homedir(), '.cache', 'hardneg', 'data'));
  return [...new Set(roots)];
}

/** The folder of a named dataset, or null when no data root has it. */
export function resolveNamed(name: string, dataDir?: string): { entry: NamedDataset; path: string | null } | null {
  const entry = NAMED_DATASETS[name];
  if (!entry) return null;
  if (entry.format === 'synthetic') return { entry, path: null };
  for (const root of dataRoots(dataDir))
    for (const d of entry.dirs) {
      const p = join(root, d);
      if (existsSync(p)) return { entry, path: p };
    }
  return { entry, path: null };
}

/** Guesses the format of a path from the files it holds (null when nothing matches). */
export function guessFormat(path: string): Format | null {
  if (!existsSync(path)) return null;
  const isDir = statSync(path).isDirectory();
  if (!isDir) {
    if (/u\.data$|ratings\.dat$/.test(path)) return 'movielens';
    if (/\.inter$/.test(path)) return 'recbole';
    if (/\.(train|test)\.rating$/.test(path)) return 'ncf';
    if (/\.(csv|tsv)$/.test(path)) return 'csv';
    if (/\.parquet$/.test(path)) return 'parquet';
    return null;
  }
  const files = readdirSync(path);
  if (files.includes('data1.txt') && files.includes('test1.txt')) return 'lastfm';
  if (files.includes('u.data') || files.includes('ratings.dat')) return 'movielens';
  if (files.some((f) => f.endsWith('.train.rating'))) return 'ncf';
  if (files.some((f) => f.endsWith('.inter'))) return 'recbole';
  if (files.includes('train.txt') && files.includes('test.txt')) {
    // LightGCN lines hold a user and many items; MixGCF lines hold exactly one pair, with item ids offset by the
    // number of users (so above every user id). Only the head is read, from a regular file (never a FIFO).
    const f = join(path, 'train.txt');
    let head: string[];
    try {
      head = readHead(f, 4096, 'train.txt').toString('latin1').split('\n').slice(0, 20).filter((l) => l.trim());
    } catch (e) {
      if (e instanceof FileError) throw new DataError(f, 0, 'file', e.message.slice(f.length + 2).replace(/^train\.txt: /, ''));
      throw e;
    }
    const pairs = head.map((l) => l.trim().split(/\s+/));
    if (head.length === 0 || !pairs.every((p) => p.length === 2 && p.every((x) => /^\d{1,10}$/.test(x)))) return 'lightgcn';
    // Pairs whose items are not above the users cannot be MixGCF-offset ids: LightGCN lines with one item each.
    const maxUser = Math.max(...pairs.map((p) => Number(p[0])));
    const minItem = Math.min(...pairs.map((p) => Number(p[1])));
    return minItem > maxUser ? 'mixgcf' : 'lightgcn';
  }
  return null;
}

/**
 * Where the data of `path` is and its format: the path itself when its files tell the format, else the one
 * sub-folder that does (a dataset folder as unpacked beside its archive, e.g. gowalla/ holding light_gcn_gowalla/
 * and light_gcn_gowalla.zip). Null when neither the path nor exactly one sub-folder is recognised.
 */
export function locateSource(path: string): { path: string; format: Format } | null {
  const own = guessFormat(path);
  if (own) return { path, format: own };
  if (!existsSync(path) || !statSync(path).isDirectory()) return null;
  const found: Array<{ path: string; format: Format }> = [];
  for (const f of readdirSync(path).sort()) {
    const sub = join(path, f);
    if (!statSync(sub).isDirectory()) continue;
    const g = guessFormat(sub);
    if (g) found.push({ path: sub, format: g });
  }
  return found.length === 1 ? found[0] : null;
}
