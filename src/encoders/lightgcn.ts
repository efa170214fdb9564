// LightGCN (He et al. 2020): E^(l+1) = Â E^(l) with Â = D^-½ A D^-½ of the training bipartite graph (no self-loops,
// no weights, no non-linearity); the final vectors are the mean of the layers in layerSet (default 0..L; DINS's
// released code uses 1..L: `includeEgoLayer: false`).
import { spmm } from '../engine/ops.js';
import type { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Dataset } from '../data/types.js';
import { EMBEDDING_OPTIONS, GRAPH_OPTIONS, checkDataset, checkOptionKeys, initEmbeddings, intOption, newParam, readInit } from './common.js';
import { GraphEncoder, readLayers } from './gnn.js';
import { normalizedAdjacency } from './graph.js';
import type { EncoderEntry, EncoderOptions, Pooling } from './types.js';

const OPTION_KEYS = ['dim', 'layers', 'init', 'initStd', 'includeEgoLayer', 'layerSet'];

export class LightGcnEncoder extends GraphEncoder {
  readonly name = 'lightgcn';
  readonly pooling: Pooling = 'mean';
  readonly ego: Parameter;

  constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>, opts: EncoderOptions, rng: Rng,
    adjacency?: CsrMatrix) {
    checkOptionKeys('lightgcn', opts, OPTION_KEYS);
    checkDataset('lightgcn', dataset);
    const dim = intOption('lightgcn', opts, 'dim', 64, 1);
    const { numLayers, layerSet } = readLayers('lightgcn', opts);
    const how = readInit('lightgcn', opts);
    super(dataset, dim, numLayers, layerSet, adjacency ?? normalizedAdjacency(dataset));
    const nu = dataset.numUsers;
    this.ego = newParam('embedding', [nu + dataset.numItems, dim], false);
    const e = this.ego.data;
    initEmbeddings(e.subarray(0, nu * dim), e.subarray(nu * dim), nu, dataset.numItems, dim, how, rng);
  }

  parameters(): Parameter[] {
    return [this.ego];
  }

  propagate(_training: boolean, _rng: Rng | null): Tensor[] {
    const last = this.layerSet[this.layerSet.length - 1];
    const all: Tensor[] = [this.ego];
    // Â is symmetric, so it serves as its own transpose in spmm's backward.
    for (let l = 1; l <= last; l++) all.push(spmm(this.adjacency, all[l - 1], this.adjacency));
    return this.layerSet.map((l) => all[l]);
  }
}

/** Registry entry (encoders/index.ts). */
export const lightgcnEntry: EncoderEntry = {
  name: 'lightgcn', describe: 'LightGCN: parameter-free propagation over the normalised user–item graph, mean of layers',
  graph: true, options: { ...EMBEDDING_OPTIONS, ...GRAPH_OPTIONS },
  create: (d, o, rng) => new LightGcnEncoder(d, o, rng),
};
