#!/usr/bin/env bash
# The JavaScript plugin's cost in several builds side by side: for each git revision, the proxy of
# bench/js-plugin.ts built from it (all on CPU 1, one upstream, wrk on CPU 0), and per round the
# CPU time per request (from /proc) of the route without plugins and of the goodbye.js route, and
# their ratio. On a shared machine the absolute figures swing from round to round; the per-round
# ratios of each build are the comparison.
# PAIRED=1: each build runs two proxy processes, and both routes are measured at the same time
# (one wrk each, the processes taking turns at which route they serve), so both figures of a
# ratio come from the same seconds of the machine; they share CPU 1, so each is slower than alone.
# Usage: [PAIRED=1] bash bench/js-plugin-builds.sh [ROUNDS] [DURATION] REV...
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
ROUNDS=${1:-8}
DURATION=${2:-2s}
shift 2 || true
[ $# -gt 0 ] || set -- HEAD
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for t in "$WORK"/tree-*; do [ -d "$t" ] && git worktree remove --force "$t" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

BUNDLES=()
for rev in "$@"; do
  i=${#BUNDLES[@]}
  git worktree add -q --detach "$WORK/tree-$i" "$rev"
  ln -s "$PWD/node_modules" "$WORK/tree-$i/node_modules"
  (cd "$WORK/tree-$i" && node_modules/.bin/esbuild bench/js-plugin.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning \
    --banner:js="import{createRequire as topLevelRequire}from'module';const require=topLevelRequire(import.meta.url);" --outfile="$WORK/build-$i.mjs")
  BUNDLES+=("$WORK/build-$i.mjs")
done
UP=$(free_port)
node "${BUNDLES[0]}" hello "$UP" 2>/dev/null &
PIDS+=($!)
PAIRED=${PAIRED:-0}
PORTS=()
PROXIES=()
PORTS2=()
PROXIES2=()
start_proxy() { # bundle → port; pid in LAST_PID
  local port; port=$(free_port)
  # examples/js-plugins is read from the working directory: this checkout's copy for every build.
  taskset -c 1 node "$1" serve "$UP" "$port" 2>"$WORK/serve-$port.log" &
  LAST_PID=$!
  PIDS+=($!)
  ALL_PORTS+=("$port")
  LAST_PORT=$port
}
ALL_PORTS=()
for b in "${BUNDLES[@]}"; do
  start_proxy "$b"
  PROXIES+=("$LAST_PID")
  PORTS+=("$LAST_PORT")
  if [ "$PAIRED" = 1 ]; then
    start_proxy "$b"
    PROXIES2+=("$LAST_PID")
    PORTS2+=("$LAST_PORT")
  fi
done
for port in "${ALL_PORTS[@]}"; do wait_compiled "$WORK/serve-$port.log"; done

cpu_us() { awk -v t="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000000 / t }' "/proc/$1/stat"; }
measure() { # pid port path → cpu µs per request
  wrk -t1 -c32 -d0.5s "http://127.0.0.1:$2$3" >/dev/null 2>&1 || true
  local before; before=$(cpu_us "$1")
  local out; out=$(taskset -c 0 wrk -t1 -c32 -d"$DURATION" "http://127.0.0.1:$2$3")
  local after; after=$(cpu_us "$1")
  awk -v a="$after" -v b="$before" -v n="$(awk '/requests in/ {print $1}' <<<"$out")" 'BEGIN { printf "%.1f", (a - b) / n }'
}
per_request() { # cpu-before cpu-after wrk-output
  awk -v a="$2" -v b="$1" -v n="$(awk '/requests in/ {print $1}' <<<"$3")" 'BEGIN { printf "%.1f", (a - b) / n }'
}
measure_pair() { # pid-plain port-plain pid-bye port-bye → "plain-µs bye-µs", both measured at once
  wrk -t1 -c32 -d0.5s "http://127.0.0.1:$2/plain" >/dev/null 2>&1 &
  wrk -t1 -c32 -d0.5s "http://127.0.0.1:$4/bye" >/dev/null 2>&1 || true
  wait
  local a0 b0; a0=$(cpu_us "$1"); b0=$(cpu_us "$3")
  taskset -c 0 wrk -t1 -c32 -d"$DURATION" "http://127.0.0.1:$2/plain" >"$WORK/pair-a" &
  taskset -c 0 wrk -t1 -c32 -d"$DURATION" "http://127.0.0.1:$4/bye" >"$WORK/pair-b"
  wait
  local a1 b1; a1=$(cpu_us "$1"); b1=$(cpu_us "$3")
  echo "$(per_request "$a0" "$a1" "$(cat "$WORK/pair-a")") $(per_request "$b0" "$b1" "$(cat "$WORK/pair-b")")"
}
# Every process serves both routes before the first round (the JIT's first compilations).
for port in "${ALL_PORTS[@]}"; do
  for path in /plain /bye; do wrk -t1 -c32 -d1s "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true; done
done
printf 'round'; for rev in "$@"; do printf '\t%s: plain, goodbye µs/req, ratio' "$rev"; done; printf '\n'
for r in $(seq "$ROUNDS"); do
  line="$r"
  for j in "${!PROXIES[@]}"; do
    if [ "$PAIRED" = 1 ]; then
      # The two processes swap routes every round.
      if [ $((r % 2)) = 1 ]; then read -r p q <<<"$(measure_pair "${PROXIES[$j]}" "${PORTS[$j]}" "${PROXIES2[$j]}" "${PORTS2[$j]}")"
      else read -r p q <<<"$(measure_pair "${PROXIES2[$j]}" "${PORTS2[$j]}" "${PROXIES[$j]}" "${PORTS[$j]}")"; fi
    else
      p=$(measure "${PROXIES[$j]}" "${PORTS[$j]}" /plain)
      q=$(measure "${PROXIES[$j]}" "${PORTS[$j]}" /bye)
    fi
    line="$line\t$p, $q, $(awk -v p="$p" -v q="$q" 'BEGIN { printf "%.3f", q / p }')"
  done
  printf "$line\n" | tee -a "$WORK/runs"
done
awk -F'\t' -v revs="$*" '
  function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  { n++; for (c = 2; c <= NF; c++) { split($c, x, ", "); r[c, n] = x[3] + 0 } cols = NF }
  END {
    split(revs, name, " ")
    for (c = 2; c <= cols; c++) { for (i = 1; i <= n; i++) v[i] = r[c, i]; printf "%s: median goodbye/plain CPU per request %.3fx\n", name[c - 1], median(v, n) }
  }' "$WORK/runs"
