// A large synthetic interaction log for the import benchmark (`npm run bench -- data --import`), written the same
// way every time (seeded): `rows` records of (user, item, rating, timestamp), users uniform over `users` (so some
// fall below a k-core bound), items skewed (item = ⌊items·r³⌋, a few very popular ones), ratings 1..5, timestamps
// seconds in a 3-year window. Written as CSV (our own byte writer) and as Parquet (hyparquet-writer, a dev
// dependency: snappy, row groups of 1M rows, INT32 ids and rating, INT64 timestamp).
import { closeSync, openSync, writeSync } from 'node:fs';
import { Rng } from '../../src/core/rng.js';

export interface GeneratedLog {
  users: Int32Array;
  items: Int32Array;
  ratings: Int32Array;
  timestamps: Float64Array;
}

export function generateLog(rows: number, users: number, items: number, seed = 0): GeneratedLog {
  const rng = Rng.stream(seed, 'import-bench');
  const out: GeneratedLog = {
    users: new Int32Array(rows),
    items: new Int32Array(rows),
    ratings: new Int32Array(rows),
    timestamps: new Float64Array(rows),
  };
  for (let k = 0; k < rows; k++) {
    out.users[k] = rng.int(users);
    const r = rng.float();
    out.items[k] = Math.floor(items * r * r * r);
    out.ratings[k] = 1 + rng.int(5);
    out.timestamps[k] = 1_600_000_000 + rng.int(94_608_000);
  }
  return out;
}

/** Writes `user,item,rating,timestamp` lines (LF) in 4 MiB blocks. */
export function writeCsv(file: string, log: GeneratedLog): number {
  const fd = openSync(file, 'w');
  const buf = Buffer.allocUnsafe(1 << 22);
  let p = buf.write('user,item,rating,timestamp\n', 0, 'latin1');
  let bytes = 0;
  const digits = (v: number) => {
    if (v === 0) {
      buf[p++] = 48;
      return;
    }
    let n = 0;
    for (let x = v; x > 0; x = Math.floor(x / 10)) n++;
    for (let q = p + n - 1, x = v; q >= p; q--, x = Math.floor(x / 10)) buf[q] = 48 + (x % 10);
    p += n;
  };
  const n = log.users.length;
  for (let k = 0; k < n; k++) {
    if (p > buf.length - 64) {
      writeSync(fd, buf, 0, p);
      bytes += p;
      p = 0;
    }
    digits(log.users[k]);
    buf[p++] = 44;
    digits(log.items[k]);
    buf[p++] = 44;
    digits(log.ratings[k]);
    buf[p++] = 44;
    digits(log.timestamps[k]);
    buf[p++] = 10;
  }
  writeSync(fd, buf, 0, p);
  closeSync(fd);
  return bytes + p;
}

/** Writes the log as Parquet with hyparquet-writer (imported only here, a dev dependency). */
export async function writeParquet(file: string, log: GeneratedLog, rowGroupSize = 1_000_000): Promise<void> {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const ts = new BigInt64Array(log.timestamps.length);
  for (let k = 0; k < ts.length; k++) ts[k] = BigInt(log.timestamps[k]);
  parquetWriteFile({
    filename: file,
    rowGroupSize,
    columnData: [
      { name: 'user', data: log.users, type: 'INT32', nullable: false },
      { name: 'item', data: log.items, type: 'INT32', nullable: false },
      { name: 'rating', data: log.ratings, type: 'INT32', nullable: false },
      { name: 'timestamp', data: ts, type: 'INT64', nullable: false },
    ],
  });
}
