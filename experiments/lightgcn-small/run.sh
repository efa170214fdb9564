#!/usr/bin/env bash
# Reproduces docs/results/lightgcn-small.md: 5 samplers x 3 seeds on ML-100K and LastFM with LightGCN, sequentially.
# Usage: experiments/lightgcn-small/run.sh [OUT_ROOT]   (default /work/exp/tables); needs a build: scripts/dev-build.sh NAME
# and HARDNEG=node dist-NAME/src/cli/main.js (default: node dist/src/cli/main.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-/work/exp/tables}"
HARDNEG="${HARDNEG:-node dist/src/cli/main.js}"
SAMPLERS='sampler=[{name: uniform}, {name: dns, m: 32}, {name: mixgcf, m: 32}, {name: dins, m: 32, beta: 2}, {name: pdns, m: 64, beta: 0.1}]'
for ds in ml-100k lastfm; do
  $HARDNEG sweep -c experiments/lightgcn-small/$ds.yaml --grid "$SAMPLERS" --seeds 1,2,3 --parallel 1 -o "$OUT/$ds-lightgcn" \
    > "$OUT/$ds-lightgcn.sweep.txt"
  $HARDNEG compare "$OUT/$ds-lightgcn" --group-seeds --markdown > "$OUT/$ds-lightgcn.compare.md"
done
