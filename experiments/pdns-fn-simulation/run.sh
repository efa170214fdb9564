#!/usr/bin/env bash
# PDNS Fig. 3 on ML-100K (docs/results/pdns-fn-simulation.md): DNS and PDNS on MF, c ∈ {0, 0.2, 0.4, 0.6, 0.8} (PDNS App. A.4), seeds 1–3,
# one run at a time, then the curves (CSV + SVG) and the table.
# Usage: experiments/pdns-fn-simulation/run.sh [OUT_DIR]  (default runs/pdns-fn-simulation; needs `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-runs/pdns-fn-simulation}"
HARDNEG="${HARDNEG:-node dist/src/cli/main.js}"
$HARDNEG sweep -c experiments/pdns-fn-simulation/mf-ml100k.yaml \
  --grid 'sampler=[{name: dns, m: 64}, {name: pdns, m: 64, beta: 0.2}]' \
  --grid revealFalseNegatives.fraction=0,0.2,0.4,0.6,0.8 \
  --seeds 1,2,3 --parallel 1 -o "$OUT" > "$OUT.sweep.txt"
node experiments/pdns-fn-simulation/curves.mjs "$OUT" "${2:-docs/results/pdns-fn-simulation}"
