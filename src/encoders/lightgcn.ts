// LightGCN (He et al. 2020): E^(l+1) = Â E^(l) with Â = D^-½ A D^-½ of the training bipartite graph (no self-loops,
// no weights, no non-linearity); the final vectors are the mean of the layers in layerSet (default 0..L; DINS's
// released code uses 1..L: `includeEgoLayer: false`).
import type { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Dataset } from '../data/types.js';
import { EMBEDDING_OPTIONS, GRAPH_OPTIONS, checkDataset, checkOptionKeys, intOption, readInit, stackedEgo } from './common.js';
import { GraphEncoder, lightgcnLayers, readLayers } from './gnn.js';
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
    this.ego = stackedEgo(dataset, dim, how, rng);
  }

  parameters(): Parameter[] {
    return [this.ego];
  }

  propagate(_training: boolean, _rng: Rng | null): Tensor[] {
    return lightgcnLayers(this.ego, this.adjacency, this.layerSet);
  }

}

/** Registry entry (encoders/index.ts). */
export const lightgcnEntry: EncoderEntry = {
  name: 'lightgcn', describe: 'LightGCN: parameter-free propagation over the normalised user–item graph, mean of layers',
  graph: true, options: { ...EMBEDDING_OPTIONS, ...GRAPH_OPTIONS },
  create: (d, o, rng) => new LightGcnEncoder(d, o, rng),
};
