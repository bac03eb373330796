#!/usr/bin/env bash
# Proxy throughput: hybridctl's proxy (1 route and 10,000 routes) against nginx as a reverse
# proxy with one worker, all in front of the same nginx upstream, measured with wrk on loopback.
# Env: DURATION per run (default 5s), CONNECTIONS (default 50), ROUNDS (default 3), PIN (default 1:
# the proxies under test on CPU 1, wrk and the upstream on CPU 0; PIN=0 leaves scheduling alone).
# Every figure is the median of the rounds; ratios to nginx come from the same run. RUNS_FILE keeps the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-50}
WORK=$(mktemp -d /tmp/hybridctl-bench-proxy.XXXXXX)
UP_PORT=18081 NGX_PORT=18082 P1_PORT=18001 P2_PORT=18002 BARE_PORT=18003 HELLO_PORT=18004 PLAIN_PORT=18005 PLUG_PORT=18006
ROUNDS=${ROUNDS:-3}
PIN=${PIN:-1}
if [ "$PIN" != 0 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  ON_PROXY=(taskset -c 1) ON_LOAD=(taskset -c 0)
else
  ON_PROXY=() ON_LOAD=()
fi
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/up/nginx.pid" ] && kill "$(cat "$WORK/up/nginx.pid")" 2>/dev/null || true
  [ -f "$WORK/px/nginx.pid" ] && kill "$(cat "$WORK/px/nginx.pid")" 2>/dev/null || true
  sleep 0.3; rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
fi
NGINX=$(command -v nginx)

# shellcheck source=bench/lib.sh
. bench/lib.sh
nginx_conf() { # dir, cpu list ("proxy" or "load"), server block
  local dir=$1 where=$2; shift 2; set -- "$dir" "$@"
  write_nginx_conf "$1" "$2"
  if [ "$where" = proxy ]; then "${ON_PROXY[@]}" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log"
  else "${ON_LOAD[@]}" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log"; fi
}

# The upstream: a fixed 200 with a small body.
nginx_conf "$WORK/up" load "server { listen 127.0.0.1:$UP_PORT; location / { return 200 'hello from upstream\n'; } }"
# nginx as the reference reverse proxy, one worker, keep-alive to the upstream.
nginx_conf "$WORK/px" proxy "upstream up { server 127.0.0.1:$UP_PORT; keepalive 128; }
  server { listen 127.0.0.1:$NGX_PORT; location /svc7777/ { proxy_pass http://up/; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Real-IP \$remote_addr; } }"

node_modules/.bin/esbuild bench/proxy.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning \
  --banner:js="import{createRequire}from'module';const require=createRequire(import.meta.url);" --outfile="$WORK/proxy.mjs"

start_node() { # name args...
  local name=$1; shift
  "${ON_PROXY[@]}" node "$WORK/proxy.mjs" "$@" 2>"$WORK/$name.log" &
  PIDS+=($!)
  wait_compiled "$WORK/$name.log"
  grep 'config compiled' "$WORK/$name.log" >&2
}
start_node p1 serve 1 "$UP_PORT" "$P1_PORT"
start_node p2 serve 10000 "$UP_PORT" "$P2_PORT"
start_node bare bare "$UP_PORT" "$BARE_PORT"
start_node hello hello "$HELLO_PORT"
start_node plain plugins off "$UP_PORT" "$PLAIN_PORT"
start_node plug plugins on "$UP_PORT" "$PLUG_PORT"

# Kong's plugin scenario: requests spread over the 100 routes, each with one of the 100 consumers' keys.
cat > "$WORK/spread.lua" <<'LUA'
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/svc" .. (i % 100) .. "/hello", { ["apikey"] = "key-" .. ((i * 7) % 100) })
end
LUA

# CPU time (user + system, µs) of a process and its children, from /proc.
cpu_us() {
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $((total * 1000000 / $(getconf CLK_TCK)))
}
pids_of() { # every process holding the listening socket (nginx: master and worker)
  ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' '
}

measure() { # label url [wrk args] → appends "label rps p50 p99 cpu-µs/request" for one run
  local label=$1 url=$2; shift 2
  "${ON_LOAD[@]}" wrk -t1 -c"$CONNECTIONS" -d1s "$@" "$url" >/dev/null 2>&1 || true # warm-up (JIT, keep-alive pools)
  local port; port=$(sed -E 's#^http://[^:]+:([0-9]+).*#\1#' <<<"$url")
  local pids; pids=$(pids_of "$port")
  local before; before=$(cpu_us $pids)
  local out; out=$("${ON_LOAD[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local after; after=$(cpu_us $pids)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then grep -E 'Non-2xx|Socket errors' <<<"$out" | sed "s/^/$label: /" >&2; fi
  local total; total=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(awk -v a="$after" -v b="$before" -v n="$total" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "-" }')" >>"$WORK/runs"
}

# The machine is shared, so targets are interleaved over ROUNDS rounds (figures: their median).
for _ in $(seq "$ROUNDS"); do
  measure 'nginx proxy, 1 worker' "http://127.0.0.1:$NGX_PORT/svc7777/hello"
  measure 'hybridctl, 1 route' "http://127.0.0.1:$P1_PORT/svc7777/hello"
  measure 'hybridctl, 10,000 routes' "http://127.0.0.1:$P2_PORT/svc7777/hello"
  measure 'bare undici proxy (ref)' "http://127.0.0.1:$BARE_PORT/"
  measure 'node http hello (ref)' "http://127.0.0.1:$HELLO_PORT/"
  measure 'upstream direct (ref)' "http://127.0.0.1:$UP_PORT/hello"
  measure '100 routes, no plugins' "http://127.0.0.1:$PLAIN_PORT/" -s "$WORK/spread.lua"
  measure '100 routes, key-auth+rl' "http://127.0.0.1:$PLUG_PORT/" -s "$WORK/spread.lua"
done

echo
node bench/proxy-summary.mjs "$WORK/runs"
# RUNS_FILE=path keeps every round's figures (node bench/proxy-summary.mjs path prints the table again).
if [ -n "${RUNS_FILE:-}" ]; then cp "$WORK/runs" "$RUNS_FILE"; fi
echo
node "$WORK/proxy.mjs" router
