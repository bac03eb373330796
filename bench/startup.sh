#!/usr/bin/env bash
# Start-up time of the CLI against bare Node (hyperfine from apt, installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
npm run -s build
echo '' > /tmp/hybridctl-empty.mjs
hyperfine --warmup 3 --runs 30 -N \
  'node /tmp/hybridctl-empty.mjs' \
  'node bin/hybridctl.js --version' \
  'node bin/hybridctl.js verify-chain --help'
[ -x dist/hybridctl ] && hyperfine --warmup 3 --runs 30 -N 'dist/hybridctl --version' || true
