// NGCF (Wang et al. 2019). Per layer, with Â = D^-½ A D^-½ of the training graph:
//   paper:  E' = LeakyReLU_0.2( (Â+I)E·W1 + b1 + (ÂE ⊙ E)·W2 + b2 )
//   code:   E' = LeakyReLU_0.2( ÂE·W1 + b1 + (ÂE ⊙ E)·W2 + b2 )        (NGCF-PyTorch / MixGCF / DINS)
// then message dropout (training only), and the layer's pooled output is E' L2-normalised per row when
// `normalizeLayers` (the released code; default false for 'paper', true for 'code'); the next layer reads the
// un-normalised E'. Final vectors: concat of the layers in layerSet (default 0..L).
import { l2NormalizeRows, spmm } from '../engine/ops.js';
import { ngcfLayer } from './ngcfLayer.js';
import type { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../engine/tensor.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Dataset } from '../data/types.js';
import {
  EMBEDDING_OPTIONS, GRAPH_OPTIONS,
  boolOption, checkDataset, checkOptionKeys, enumOption, intOption, newParam, numberOption, readInit,
  xavierFill, stackedEgo,
} from './common.js';
import { GraphEncoder, readLayers } from './gnn.js';
import { normalizedAdjacency } from './graph.js';
import type { EncoderEntry, EncoderOptions, Pooling } from './types.js';

const OPTION_KEYS = ['dim', 'layers', 'init', 'initStd', 'includeEgoLayer', 'layerSet', 'messageDropout',
  'normalizeLayers', 'variant'];

/** F.normalize's epsilon: rows with norm below it are divided by it instead. */
const NORM_EPS = 1e-12;

interface NgcfLayerParams {
  w1: Parameter;
  b1: Parameter;
  w2: Parameter;
  b2: Parameter;
}

export class NgcfEncoder extends GraphEncoder {
  readonly name = 'ngcf';
  readonly pooling: Pooling = 'concat';
  readonly ego: Parameter;
  readonly weights: readonly NgcfLayerParams[];
  readonly variant: 'paper' | 'code';
  readonly messageDropout: number;
  readonly normalizeLayers: boolean;

  constructor(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>, opts: EncoderOptions, rng: Rng,
    adjacency?: CsrMatrix) {
    checkOptionKeys('ngcf', opts, OPTION_KEYS);
    checkDataset('ngcf', dataset);
    const dim = intOption('ngcf', opts, 'dim', 64, 1);
    const { numLayers, layerSet } = readLayers('ngcf', opts);
    const how = readInit('ngcf', opts);
    const variant = enumOption('ngcf', opts, 'variant', 'paper', ['paper', 'code'] as const);
    const messageDropout = numberOption('ngcf', opts, 'messageDropout', 0.1, (x) => x >= 0 && x < 1, 'in [0, 1)');
    const normalizeLayers = boolOption('ngcf', opts, 'normalizeLayers', variant === 'code');
    super(dataset, dim, numLayers, layerSet, adjacency ?? normalizedAdjacency(dataset));
    this.variant = variant;
    this.messageDropout = messageDropout;
    this.normalizeLayers = normalizeLayers;
    this.ego = stackedEgo(dataset, dim, how, rng);
    // Weights and biases: Xavier uniform whatever the embedding init, as the reference codes do (biases too).
    const ws: NgcfLayerParams[] = [];
    for (let l = 0; l < numLayers; l++) {
      const p: NgcfLayerParams = {
        w1: newParam(`W_gc_${l}`, [dim, dim], false),
        b1: newParam(`b_gc_${l}`, [1, dim], false),
        w2: newParam(`W_bi_${l}`, [dim, dim], false),
        b2: newParam(`b_bi_${l}`, [1, dim], false),
      };
      xavierFill(p.w1.data, dim, dim, rng);
      xavierFill(p.b1.data, 1, dim, rng);
      xavierFill(p.w2.data, dim, dim, rng);
      xavierFill(p.b2.data, 1, dim, rng);
      ws.push(p);
    }
    this.weights = Object.freeze(ws);
  }

  parameters(): Parameter[] {
    const ps: Parameter[] = [this.ego];
    for (const w of this.weights) ps.push(w.w1, w.b1, w.w2, w.b2);
    return ps;
  }

  propagate(training: boolean, rng: Rng | null): Tensor[] {
    const last = this.layerSet[this.layerSet.length - 1];
    const outputs: Tensor[] = [this.ego];
    let e: Tensor = this.ego;
    for (let l = 0; l < last; l++) {
      const { w1, b1, w2, b2 } = this.weights[l];
      const side = spmm(this.adjacency, e, this.adjacency);
      const drop = training ? this.messageDropout : 0;
      if (drop > 0 && !rng) throw new Error('ngcf: message dropout needs an rng while training');
      // Fused: the bi-interaction, both products, bias, LeakyReLU and dropout in one op (ngcfLayer.ts).
      const next = ngcfLayer(side, e, w1, w2, b1, b2, { addSelf: this.variant === 'paper', slope: 0.2, dropout: drop, rng });
      outputs.push(this.normalizeLayers ? l2NormalizeRows(next, NORM_EPS) : next);
      e = next;
    }
    return this.layerSet.map((l) => outputs[l]);
  }
}

/** Registry entry (encoders/index.ts). */
export const ngcfEntry: EncoderEntry = {
  name: 'ngcf', describe: 'NGCF: propagation with weight matrices and bi-interaction, concatenated layers',
  graph: true,
  options: {
    ...EMBEDDING_OPTIONS, ...GRAPH_OPTIONS,
    variant: { type: 'enum', values: ['paper', 'code'], default: 'paper', doc: "'paper' LeakyReLU((Â+I)EW1 + (ÂE⊙E)W2) or the released code's ÂEW1 form, normalised" },
    messageDropout: { type: 'number', default: 0.1, min: 0, max: 1, exclusiveMax: true, doc: 'message dropout on every layer output while training' },
    normalizeLayers: { type: 'boolean', doc: "L2-normalise each propagated layer before pooling (default: true for variant 'code')" },
  },
  create: (d, o, rng) => new NgcfEncoder(d, o, rng),
};
