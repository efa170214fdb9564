#!/usr/bin/env bash
# GDNS §4.6 (Fig. 5) on ML-100K: preset gdns-gmf with one training positive per user planted as a false negative
# (dataset.plantFalseNegatives=1; the planting seed = dataset.seed = the run seed), seeds 1–3, one run at a time;
# every epoch record holds the H/G distributions of the planted, held-out (valid/test) and other visited pairs.
# Usage: experiments/gdns-fn-analysis/run.sh [OUT_DIR] [EPOCHS]   (default runs/gdns-fn-analysis, 60; needs `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-runs/gdns-fn-analysis}"
EPOCHS="${2:-60}"
HARDNEG="${HARDNEG:-node dist/src/cli/main.js}"
mkdir -p "$OUT"
for s in 1 2 3; do
  $HARDNEG train -p gdns-gmf --set dataset.plantFalseNegatives=1 --set dataset.seed=$s --set seed=$s \
    --epochs "$EPOCHS" --set patience=0 --set evalEvery=5 -q --out "$OUT/s$s" --force > "$OUT/s$s.log" 2>&1
done
node experiments/gdns-fn-analysis/analyze.mjs "${3:-docs/results/gdns-fn-analysis}" "$OUT"/s1 "$OUT"/s2 "$OUT"/s3
