// The content fingerprint every run records: sha256 over the id maps and every split's CSR arrays (and any
// timestamps, ratings, exposure, false-negative set and sampled test negatives), so two runs on "the same"
// dataset can be checked to have seen identical splits.
import { createHash } from 'node:crypto';
import type { Dataset, InteractionSet } from './types.js';

type Content = Omit<Dataset, 'fingerprint' | 'report' | 'itemPopularity' | 'name' | 'source'>;

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function fingerprint(d: Content): string {
  const h = createHash('sha256');
  h.update(`hardneg-dataset-v1 ${d.numUsers} ${d.numItems}\n`);
  h.update(d.userIds.join('\n'));
  h.update('\n--items--\n');
  h.update(d.itemIds.join('\n'));
  const sets: Array<[string, InteractionSet | undefined]> = [
    ['train', d.train],
    ['valid', d.valid],
    ['test', d.test],
    ['exposure', d.exposure],
    ['falseNegatives', d.falseNegatives],
    ['plantedNegatives', d.plantedNegatives],
  ];
  for (const [name, s] of sets) {
    if (!s) continue;
    h.update(`\n--${name} ${s.rows}x${s.cols} ${s.indptr[s.rows]}--\n`);
    h.update(bytes(s.indptr));
    h.update(bytes(s.indices));
    if (s.timestamps) h.update(bytes(s.timestamps));
    if (s.ratings) h.update(bytes(s.ratings));
  }
  if (d.testNegatives) {
    h.update(`\n--testNegatives ${d.testNegatives.n}--\n`);
    h.update(bytes(d.testNegatives.items));
  }
  return h.digest('hex');
}
