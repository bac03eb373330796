#!/usr/bin/env bash
# What a trivial custom JavaScript plugin (examples/js-plugins/goodbye.js: reads a request header,
# sets a response header and an upstream header) costs: one proxy process serving two routes to the
# same upstream, one without plugins and one with the plugin, measured with wrk alternately in the
# same run (plus bundled correlation-id, which does the same kind of work, for reference). Prints
# requests per second and the proxy's CPU time per request (from /proc) of each, and the ratios to
# the route without plugins per round; only ratios measured side by side are claims.
# Usage: bash bench/js-plugin.sh [ROUNDS] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION=${2:-5s}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

node_modules/.bin/esbuild bench/js-plugin.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning \
  --banner:js="import{createRequire as topLevelRequire}from'module';const require=topLevelRequire(import.meta.url);" --outfile="$WORK/js-plugin.mjs"
# shellcheck source=bench/lib.sh
. bench/lib.sh
start() { # name args...
  local name=$1; shift
  node "$WORK/js-plugin.mjs" "$@" 2>"$WORK/$name.log" &
  PIDS+=($!)
  wait_compiled "$WORK/$name.log"
}
UP=$(free_port); start up hello "$UP"
PX=$(free_port); start proxy serve "$UP" "$PX"

cpu_us() { awk -v t="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000000 / t }' "/proc/$1/stat"; }
PROXY_PID=${PIDS[1]}
measure() { # path → "rps cpu-µs-per-request"
  wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$PX$1" >/dev/null 2>&1 || true
  local before; before=$(cpu_us "$PROXY_PID")
  local out; out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PX$1")
  local after; after=$(cpu_us "$PROXY_PID")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then echo "$1: $(grep -E 'Non-2xx|Socket errors' <<<"$out")" >&2; fi
  local n; n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }')"
}
node "$WORK/js-plugin.mjs" adapter
# The machine may be shared, so the three are interleaved over ROUNDS rounds and each keeps its best round.
printf 'round\tno plugin: rps, cpu µs/req\tgoodbye.js\tcorrelation-id\n'
for r in $(seq "$ROUNDS"); do
  read -r a ac <<<"$(measure /plain)"; read -r b bc <<<"$(measure /bye)"; read -r c cc <<<"$(measure /cid)"
  printf '%s\t%s, %s\t%s, %s\t%s, %s\n' "$r" "$a" "$ac" "$b" "$bc" "$c" "$cc" | tee -a "$WORK/runs"
done
awk -F'\t' '
  function keep(i, v) { split(v, x, ", "); if (x[1] + 0 > rps[i]) rps[i] = x[1] + 0; if (cpu[i] == "" || x[2] + 0 < cpu[i]) cpu[i] = x[2] + 0 }
  function cpuof(v) { split(v, x, ", "); return x[2] + 0 }
  function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  { keep(1, $2); keep(2, $3); keep(3, $4); n++; rb[n] = cpuof($3) / cpuof($2); rc[n] = cpuof($4) / cpuof($2) }
  END {
    printf "best rounds: no plugin %.0f rps, %.1f µs/req; goodbye.js %.0f rps, %.1f µs/req; correlation-id %.0f rps, %.1f µs/req\n", rps[1], cpu[1], rps[2], cpu[2], rps[3], cpu[3]
    printf "goodbye.js vs no plugin: rps %.3fx, cpu per request %.3fx\n", rps[2] / rps[1], cpu[2] / cpu[1]
    printf "correlation-id vs no plugin: rps %.3fx, cpu per request %.3fx\n", rps[3] / rps[1], cpu[3] / cpu[1]
    printf "median of the per-round cpu-per-request ratios: goodbye.js %.3fx, correlation-id %.3fx\n", median(rb, n), median(rc, n)
  }' "$WORK/runs"
