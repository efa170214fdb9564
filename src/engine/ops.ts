// Differentiable ops: the barrel. Each op computes its forward into a fresh heap tensor and, when any input requires
// grad (and grad recording is on), records a backward closure that adds this op's contribution into its inputs'
// grads. The ops live in ops/ by family; every one enters the graph through the same primitive (`recordOp`,
// ops/record.ts), which is also what `customOp` (ops/custom.ts) wraps for ops defined outside the engine.
//
//   ops/binary.ts    add, sub, mul, div (broadcasting)
//   ops/unary.ts     scale, addScalar, neg, sigmoid, logSigmoid, softplus, exp, log, relu, hinge, leakyRelu, tanh,
//                    square, sqrt, abs, clamp, dropout
//   ops/reduce.ts    sum, sumSquares, mean, sumRows, meanRows, logSumExpRows, logSumExpScaledRows, rowDot
//   ops/matmul.ts    matmul, matmulABt, spmm (+ heapCsr, csrTranspose)
//   ops/gather.ts    gatherRows, gatherMean, scatterAddRows, maskedSelect
//   ops/rows.ts      sliceRows, reshape, concatCols, meanOf, l2NormalizeRows, stopGradient
//   ops/custom.ts    customOp and its context types
//
// The hot ops (matmul, A·Bᵀ, spmm and its transpose, gatherRows, scatterAddRows, rowDot) run through `kernels()`,
// so the WASM SIMD backend accelerates them; element-wise ops are plain loops (no per-element allocation).

export type { CsrMatrix } from './kernels/types.js';
export { add, sub, mul, div } from './ops/binary.js';
export {
  scale, addScalar, neg, sigmoid, logSigmoid, softplus, exp, log, relu, hinge, leakyRelu, tanh, square, sqrt, abs,
  clamp, dropout,
} from './ops/unary.js';
export { sum, sumSquares, mean, sumRows, meanRows, logSumExpRows, logSumExpScaledRows, rowDot } from './ops/reduce.js';
export { matmul, matmulABt, heapCsr, csrTranspose, spmm } from './ops/matmul.js';
export { gatherRows, gatherMean, scatterAddRows, maskedSelect } from './ops/gather.js';
export { sliceRows, reshape, concatCols, meanOf, l2NormalizeRows, stopGradient } from './ops/rows.js';
export {
  customOp, type CustomOpSpec, type ForwardContext, type BackwardContext, type GradTarget,
} from './ops/custom.js';
