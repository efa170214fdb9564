// `hardneg data download <name>`: the public sources of the named datasets, with checksums. Files are fetched
// over HTTP(S) (or copied from a local folder with `from`), written to a temporary name, size- and sha256-checked,
// then renamed into place; archives are unpacked (their members checked too, where a checksum is known).
// Checksums marked null cannot be verified from this project (no copy here to hash): the first download records
// its sha256 in CHECKSUMS.json beside the files and later downloads must match it ("verified on first download").
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readZip } from './zip.js';

export interface SourceFile {
  /** Upstream URL. */
  url: string;
  /** Name in the dataset folder (archives: where the archive is kept). */
  name: string;
  sha256: string | null;
  size: number | null;
  /** For archives: member path → file name in the dataset folder, with the member's checksum if known. */
  unzip?: Record<string, { name: string; sha256: string | null }>;
}

export interface DownloadEntry {
  name: string;
  format: string;
  description: string;
  licence: string;
  files: SourceFile[];
}

const LIGHTGCN = 'https://raw.githubusercontent.com/kuandeng/LightGCN/master/Data';
const GROUPLENS = 'https://files.grouplens.org/datasets/movielens';

function lightgcn(name: string, sums: Record<string, [string | null, number | null]>): SourceFile[] {
  return ['train.txt', 'test.txt', 'user_list.txt', 'item_list.txt'].map((f) => ({
    url: `${LIGHTGCN}/${name}/${f}`,
    name: f,
    sha256: sums[f]?.[0] ?? null,
    size: sums[f]?.[1] ?? null,
  }));
}

/** The name → source table. sha256 values were computed from byte-identical copies (see docs/data.md). */
export const DOWNLOADS: Record<string, DownloadEntry> = {
  'ml-100k': {
    name: 'ml-100k',
    format: 'movielens',
    description: 'MovieLens 100K (GroupLens), unpacked to u.data + attribute files',
    licence: 'GroupLens research licence: no redistribution; download it yourself',
    files: [
      {
        url: `${GROUPLENS}/ml-100k.zip`,
        name: 'ml-100k.zip',
        sha256: null,
        size: null,
        unzip: {
          'ml-100k/u.data': { name: 'u.data', sha256: '06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490' },
          'ml-100k/u.item': { name: 'u.item', sha256: null },
          'ml-100k/u.user': { name: 'u.user', sha256: null },
          'ml-100k/README': { name: 'README', sha256: null },
        },
      },
    ],
  },
  'ml-1m': {
    name: 'ml-1m',
    format: 'movielens',
    description: 'MovieLens 1M (GroupLens), unpacked to ratings.dat + attribute files',
    licence: 'GroupLens research licence: no redistribution; download it yourself',
    files: [
      {
        url: `${GROUPLENS}/ml-1m.zip`,
        name: 'ml-1m.zip',
        sha256: null,
        size: null,
        unzip: {
          'ml-1m/ratings.dat': { name: 'ratings.dat', sha256: null },
          'ml-1m/movies.dat': { name: 'movies.dat', sha256: null },
          'ml-1m/users.dat': { name: 'users.dat', sha256: null },
          'ml-1m/README': { name: 'README', sha256: null },
        },
      },
    ],
  },
  gowalla: {
    name: 'gowalla',
    format: 'lightgcn',
    description: 'Gowalla, LightGCN/NGCF split (kuandeng/LightGCN Data/gowalla)',
    licence: 'SNAP loc-Gowalla; LightGCN processing',
    files: lightgcn('gowalla', {
      'train.txt': ['7244696fdeb23911319cf7b689f2e15a3c4c92549c873a5677b44e3f13cc3e62', 4633414],
      'test.txt': ['099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3', 1372559],
      'user_list.txt': ['5344c4d0deef610e1f148f23ad216a0db03b36f88834cd39a06786a672c5f5a1', 351203],
      'item_list.txt': ['6b186f92890cc3f0c15a6dae5d6285f125a302bb8c5ea0cd9a16cf9c16347139', 506926],
    }),
  },
  yelp2018: {
    name: 'yelp2018',
    format: 'lightgcn',
    description: 'Yelp2018, LightGCN split (kuandeng/LightGCN Data/yelp2018)',
    licence: 'Yelp Dataset terms (non-commercial)',
    files: lightgcn('yelp2018', {
      'train.txt': [null, 6904880],
      'test.txt': ['9cd9b37926cd1447a06625ffa7914527573fb097c10cb0bbdb1d1b8ded3742fe', 1986152],
      'user_list.txt': ['4931519d8b3c40d71a34cc386c3287b6d63c1be9a82edd7ee6bfad765e640778', 907278],
      'item_list.txt': ['1091bc824b60561906df552f2f7cb3ec61767b1e46fd4386b44400ae49712007', 1092298],
    }),
  },
  'amazon-book': {
    name: 'amazon-book',
    format: 'lightgcn',
    description: 'Amazon-book, LightGCN split (kuandeng/LightGCN Data/amazon-book)',
    licence: 'Amazon review data (research use)',
    files: lightgcn('amazon-book', {
      'train.txt': [null, null],
      'test.txt': ['6250754994dd953b91b48dccdd77a73f318e0634b4757c2abfcc9d33a54ab0f5', 3848611],
      'user_list.txt': ['b59cc7e4a1826e1eb313c4f0557bdafbb70661346d9c93911b97fe0e9fbd7078', 1080734],
      'item_list.txt': ['8eee6caf6e666d95fc24ca8e0ec089ee90b1b2d1dc17933726359a6b3ecd62cb', 1546089],
    }),
  },
};

export interface DownloadOptions {
  /** Folder that receives `<name>/`. */
  dir: string;
  /** Replace the upstream origin: files are fetched from `${baseUrl}/${basename(url)}`. */
  baseUrl?: string;
  /** Copy from a local folder (`${from}/${basename(url)}`) instead of fetching. */
  from?: string;
  /** Download again even when the files are present. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface DownloadResult {
  dir: string;
  files: Array<{ name: string; sha256: string; verified: 'checksum' | 'recorded' | 'first-download' }>;
}

export class ChecksumError extends Error {}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function fetchBytes(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new Error(`download ${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
  }
  if (!res.ok) throw new Error(`download ${url}: HTTP ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function download(name: string, opts: DownloadOptions): Promise<DownloadResult> {
  const entry = DOWNLOADS[name];
  if (!entry) throw new Error(`unknown dataset '${name}' (downloadable: ${Object.keys(DOWNLOADS).join(', ')})`);
  const log = opts.log ?? (() => {});
  const out = join(opts.dir, name);
  mkdirSync(out, { recursive: true });
  const sumsFile = join(out, 'CHECKSUMS.json');
  const recorded: Record<string, string> = existsSync(sumsFile) ? JSON.parse(readFileSync(sumsFile, 'utf8')) : {};
  const result: DownloadResult = { dir: out, files: [] };
  const check = (label: string, data: Uint8Array, expected: string | null, size: number | null): DownloadResult['files'][number] => {
    if (size !== null && data.length !== size) throw new ChecksumError(`${label}: size ${data.length} bytes, expected ${size}`);
    const got = sha256(data);
    if (expected) {
      if (got !== expected) throw new ChecksumError(`${label}: sha256 ${got} does not match the expected ${expected}`);
      return { name: label, sha256: got, verified: 'checksum' };
    }
    if (recorded[label]) {
      if (recorded[label] !== got) throw new ChecksumError(`${label}: sha256 ${got} differs from the one recorded at first download (${recorded[label]}) in ${sumsFile}`);
      return { name: label, sha256: got, verified: 'recorded' };
    }
    recorded[label] = got;
    return { name: label, sha256: got, verified: 'first-download' };
  };
  for (const f of entry.files) {
    const targets = f.unzip ? Object.values(f.unzip).map((m) => m.name) : [f.name];
    if (!opts.force && targets.every((t) => existsSync(join(out, t)))) {
      log(`${name}/${f.name}: present (use --force to download again)`);
      continue;
    }
    const file = basename(new URL(f.url).pathname);
    let data: Buffer;
    if (opts.from) {
      const src = join(opts.from, file);
      if (!existsSync(src)) throw new Error(`download ${name}: ${src} not found`);
      data = readFileSync(src);
      log(`${name}/${f.name}: copied from ${src}`);
    } else {
      const url = opts.baseUrl ? `${opts.baseUrl.replace(/\/$/, '')}/${file}` : f.url;
      log(`${name}/${f.name}: fetching ${url}`);
      data = await fetchBytes(url);
    }
    const v = check(f.name, data, f.sha256, f.size);
    result.files.push(v);
    log(`${name}/${f.name}: ${data.length} bytes, sha256 ${v.sha256} (${v.verified === 'first-download' ? 'recorded at first download' : 'verified'})`);
    if (f.unzip) {
      const members = new Map(readZip(data, f.name).map((e) => [e.name, e]));
      for (const [member, m] of Object.entries(f.unzip)) {
        const e = members.get(member);
        if (!e) throw new ChecksumError(`${f.name}: has no member ${member}`);
        const bytes = e.read();
        result.files.push(check(m.name, bytes, m.sha256, null));
        writeAtomic(join(out, m.name), bytes);
      }
    } else writeAtomic(join(out, f.name), data);
  }
  // Only when something was fetched: a dataset already present may sit in a read-only folder.
  if (result.files.length) writeFileSync(sumsFile, JSON.stringify(recorded, null, 2) + '\n');
  return result;
}

function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.part`;
  writeFileSync(tmp, data);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

