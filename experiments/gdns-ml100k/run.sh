#!/bin/bash
# GDNS on ML-100K (preset gdns-gmf): the paper's rule for unvisited pairs (H = G = 1) against unvisited pairs
# ranked at the user's running mean, for GDNS and its two Fig. 4 ablations. 150 epochs each, test every 5
# (testCurve), no early stop. Usage: experiments/gdns-ml100k/run.sh OUT_DIR  (then: node curves.mjs OUT_DIR/*)
set -e
OUT=${1:?usage: run.sh OUT_DIR}
H="${HARDNEG:-npx hardneg} train -p gdns-gmf --epochs 150 --set patience=0 --set testCurve=true --set evalEvery=5 -q"
run() { $H --out "$OUT/$1" "${@:2}" > "$OUT/$1.log" 2>&1; }
mkdir -p "$OUT"
run gdns-one &
run woG-one --set sampler.select=expectation &
run woGL-one --set sampler.groupLoss=false &
wait
run gdns-mean --set sampler.unvisited=userMean &
run woG-mean --set sampler.select=expectation --set sampler.unvisited=userMean &
run woGL-mean --set sampler.groupLoss=false --set sampler.unvisited=userMean &
wait
