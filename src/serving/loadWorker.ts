// The loading thread of Model.loadAsync: reads and verifies a run folder's model files (readModelFiles) off the
// server's event loop and sends them back, their buffers transferred rather than copied.
import { parentPort, workerData } from 'node:worker_threads';
import { readModelFiles } from './model.js';

const { runDir } = workerData as { runDir: string };
try {
  const files = readModelFiles(runDir);
  const buffers = new Set<ArrayBuffer>();
  for (const a of [files.emb.users, files.emb.items, files.emb.itemBias, files.seen.indptr, files.seen.indices, files.pop.counts]) {
    if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  }
  try {
    parentPort!.postMessage({ files }, [...buffers]);
  } catch {
    parentPort!.postMessage({ files }); // a buffer that cannot be transferred (e.g. Node's pool): copied instead
  }
} catch (e) {
  const err = e as Error & { file?: string };
  parentPort!.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), file: err?.file } });
}
