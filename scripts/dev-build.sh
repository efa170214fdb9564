#!/usr/bin/env bash
# Incremental type-check + compile into a private output folder (dist-NAME/), so several people or agents can
# build and test in one working tree at once without overwriting each other's output. Then:
#   node --test dist-NAME/test/<area>/
set -uo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/dev-build.sh NAME}"
out="dist-$name"
mkdir -p "$out"
[ -d dist/wasm ] || node scripts/build-wasm.mjs
npx tsc -p tsconfig.json --outDir "$out" --tsBuildInfoFile "$out/.tsbuildinfo" "${@:2}"
exit 0
