#!/usr/bin/env bash
# Reproduces docs/results/lightgcn-small.md: 5 samplers x 3 seeds on ML-100K and LastFM with LightGCN, sequentially.
# Usage: experiments/lightgcn-small/run.sh [OUT_ROOT]   (default ../exp/tables); needs a build: scripts/dev-build.sh NAME
# and HARDNEG=node dist-NAME/src/cli/main.js (default: node dist/src/cli/main.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-../exp/tables}"
HARDNEG="${HARDNEG:-node dist/src/cli/main.js}"
SAMPLERS='sampler=[{name: uniform}, {name: dns, m: 32}, {name: mixgcf, m: 32}, {name: dins, m: 32, beta: 2}, {name: pdns, m: 64, beta: 0.1}]'
for ds in ml-100k lastfm; do
  $HARDNEG sweep -c experiments/lightgcn-small/$ds.yaml --grid "$SAMPLERS" --seeds 1,2,3 --parallel 1 -o "$OUT/$ds-lightgcn" \
    > "$OUT/$ds-lightgcn.sweep.txt"
  $HARDNEG compare "$OUT/$ds-lightgcn" --group-seeds --markdown > "$OUT/$ds-lightgcn.compare.md"
done

# Follow-up (one seed, ML-100K): why PDNS (H 64, soft BPR β 0.1) trails DNS. β = 1 makes soft BPR plain BPR, so
# pdns(m 64, β 1) is DNS with H 64; pdns(m 32, β 0.1) separates the pool size from the loss.
$HARDNEG sweep -c experiments/lightgcn-small/ml-100k.yaml --seeds 1 --parallel 1 -o "$OUT/ml-100k-pdns-ablation" \
  --grid 'sampler=[{name: pdns, m: 64, beta: 0.4}, {name: pdns, m: 64, beta: 1}, {name: pdns, m: 32, beta: 0.1}]' \
  > "$OUT/ml-100k-pdns-ablation.sweep.txt"

# Follow-up: uniform is still improving at epoch 40 (best epoch = last); the same config with a 150-epoch budget.
$HARDNEG sweep -c experiments/lightgcn-small/lastfm.yaml --set epochs=150 --seeds 1,2,3 --parallel 1 -o "$OUT/lastfm-uniform-150" \
  > "$OUT/lastfm-uniform-150.sweep.txt"
