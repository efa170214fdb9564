// Warm start (issue 15 item 11; PDNS appendix: the GAN baselines start from a pre-trained MF): a run's encoder
// parameters are initialised from a finished run's model.safetensors (its `param.<name>` tensors, the weights of
// that run's best epoch) instead of the 'init' stream's draws. Every parameter of the new encoder must be in the
// file with the same shape, and every parameter in the file must belong to the encoder: a mismatch is a
// ConfigError naming the tensor and the file (exit code 2), never a partial load. The run records what it loaded
// (RunResult.initFrom → summary.json). Open choices: the optimiser state is not carried over (fresh moments, as a
// new training phase); a source run on other data of the same sizes (another fingerprint) loads with a warning,
// since ids may then name other users and items.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Encoder } from '../encoders/types.js';
import { readRunParams } from '../io/runFiles.js';
import { ConfigError } from './config.js';

/** What a warm start loaded, as the run records it. */
export interface WarmStartRecord {
  /** The run folder as the config names it. */
  run: string;
  /** Its best epoch (the weights model.safetensors holds), null when the file does not say. */
  bestEpoch: number | null;
  /** Fingerprint of the data the source run trained on. */
  fingerprint: string;
  /** The parameters copied, by name. */
  tensors: string[];
}

/**
 * Copies the parameters of the finished run in `runDir` into `encoder` (in place). `fingerprint` is this run's data;
 * `warn` receives the note when the source trained on other data.
 */
export function warmStart(encoder: Encoder, runDir: string, fingerprint: string, warn: (m: string) => void): WarmStartRecord {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new ConfigError([`initFrom: '${runDir}' is not a run folder (it does not exist or is not a directory)`]);
  }
  const file = join(runDir, 'model.safetensors');
  if (!existsSync(file)) throw new ConfigError([`initFrom: ${file} does not exist (is '${runDir}' a finished hardneg run?)`]);
  const src = readRunParams(runDir);
  const params = encoder.parameters();
  const problems: string[] = [];
  const own = new Set(params.map((p) => p.name));
  for (const p of params) {
    const t = src.params.get(p.name);
    if (!t) {
      problems.push(`initFrom: ${file} has no tensor 'param.${p.name}' (${encoder.name} parameter of shape [${p.shape.join(', ')}]; ` +
        `the file holds ${[...src.params.keys()].map((n) => `'param.${n}'`).join(', ') || 'no parameters'})`);
    } else if (t.shape.length !== p.shape.length || t.shape.some((n, i) => n !== p.shape[i])) {
      problems.push(`initFrom: ${file}: tensor 'param.${p.name}' has shape [${t.shape.join(', ')}], this run's ${encoder.name} ` +
        `encoder needs [${p.shape.join(', ')}] (another dataset size or encoder.dim?)`);
    }
  }
  for (const n of src.params.keys()) {
    if (!own.has(n)) problems.push(`initFrom: ${file}: tensor 'param.${n}' is not a parameter of this run's ${encoder.name} encoder (another encoder?)`);
  }
  if (problems.length) throw new ConfigError(problems);
  for (const p of params) p.data.set(src.params.get(p.name)!.data);
  if (src.fingerprint && src.fingerprint !== fingerprint) {
    warn(`initFrom: ${runDir} trained on other data (fingerprint ${src.fingerprint.slice(0, 12)}…, this run's ${fingerprint.slice(0, 12)}…): ` +
      'its rows may stand for other users and items');
  }
  return { run: runDir, bestEpoch: src.bestEpoch, fingerprint: src.fingerprint, tensors: params.map((p) => p.name) };
}
