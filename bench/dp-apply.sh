#!/usr/bin/env bash
# In-process cost of applying one sync v2 delta on a DP (see bench/dp-apply.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
# Bundled under node_modules, so the external lmdb resolves from this checkout.
OUT=node_modules/.cache/hybridctl-bench
mkdir -p "$OUT"
node_modules/.bin/esbuild bench/dp-apply.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning --external:lmdb \
  --banner:js="import{createRequire}from'module';const require=createRequire(import.meta.url);" --outfile="$OUT/dp-apply.mjs"
node "$OUT/dp-apply.mjs" "${1:-10000}"
