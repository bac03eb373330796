#!/usr/bin/env bash
# CPU per request of key-auth and rate-limiting (bench/plugin-cost.ts), no I/O.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(mktemp /tmp/hybridctl-plugin-cost.XXXXXX.mjs)
trap 'rm -f "$OUT"' EXIT
node_modules/.bin/esbuild bench/plugin-cost.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning \
  --banner:js="import{createRequire}from'module';const require=createRequire(import.meta.url);" --outfile="$OUT"
node "$OUT"
