#!/usr/bin/env bash
# The proxy's CPU per request in several builds side by side, against nginx in the same rounds:
# for each git revision, bench/proxy.ts `serve 1` built from it; all proxies and nginx (one worker,
# reverse proxy) pinned to CPU 1, one nginx upstream and wrk on CPU 0. Per round: CPU µs per request
# of each (from /proc) and its ratio to nginx's; the medians of the per-round ratios are the
# comparison (the machine's speed swings from round to round far more than between two builds).
# Usage: bash bench/proxy-builds.sh [ROUNDS] [DURATION] REV...
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-8}
DURATION=${2:-3s}
shift 2 || true
[ $# -gt 0 ] || set -- HEAD
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null
fi
WORK=$(mktemp -d /tmp/hybridctl-proxy-builds.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in up px; do [ -f "$WORK/$d/nginx.pid" ] && kill "$(cat "$WORK/$d/nginx.pid")" 2>/dev/null || true; done
  for t in "$WORK"/tree-*; do [ -d "$t" ] && git worktree remove --force "$t" 2>/dev/null || true; done
  sleep 0.3; rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. bench/lib.sh
nginx_conf() { # dir cpu server-block
  write_nginx_conf "$1" "$3"
  taskset -c "$2" nginx -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log"
}
UP=$(free_port)
NGX=$(free_port)
nginx_conf "$WORK/up" 0 "server { listen 127.0.0.1:$UP; location / { return 200 'hello from upstream\n'; } }"
nginx_conf "$WORK/px" 1 "upstream up { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NGX; location /svc7777/ { proxy_pass http://up/; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Real-IP \$remote_addr; } }"

PORTS=()
for rev in "$@"; do
  i=${#PORTS[@]}
  git worktree add -q --detach "$WORK/tree-$i" "$rev"
  ln -s "$PWD/node_modules" "$WORK/tree-$i/node_modules"
  (cd "$WORK/tree-$i" && node_modules/.bin/esbuild bench/proxy.ts --bundle --platform=node --target=node20 --format=esm --log-level=warning \
    --banner:js="import{createRequire}from'module';const require=createRequire(import.meta.url);" --outfile="$WORK/build-$i.mjs")
  port=$(free_port)
  taskset -c 1 node "$WORK/build-$i.mjs" serve 1 "$UP" "$port" 2>"$WORK/serve-$i.log" &
  PIDS+=($!)
  PORTS+=("$port")
done
for i in "${!PORTS[@]}"; do wait_compiled "$WORK/serve-$i.log"; done

cpu_us() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $((t * 1000000 / $(getconf CLK_TCK))); }
pids_of() { ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' '; }
measure() { # port → cpu µs per request
  local url="http://127.0.0.1:$1/svc7777/hello" pids
  pids=$(pids_of "$1")
  taskset -c 0 wrk -t1 -c50 -d1s "$url" >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  local before; before=$(cpu_us $pids)
  local out; out=$(taskset -c 0 wrk -t1 -c50 -d"$DURATION" "$url")
  # shellcheck disable=SC2086
  local after; after=$(cpu_us $pids)
  awk -v a="$after" -v b="$before" -v n="$(awk '/requests in/ {print $1}' <<<"$out")" 'BEGIN { printf "%.1f", (a - b) / n }'
}
printf 'round\tnginx µs/req'; for rev in "$@"; do printf '\t%s µs/req, ratio' "$rev"; done; printf '\n'
RATIOS=$WORK/ratios
for r in $(seq "$ROUNDS"); do
  ngx=$(measure "$NGX")
  line="$r\t$ngx"
  ratios=""
  for port in "${PORTS[@]}"; do
    us=$(measure "$port")
    ratio=$(awk -v a="$us" -v b="$ngx" 'BEGIN { printf "%.2f", a / b }')
    line="$line\t$us  ${ratio}×"
    ratios="$ratios $ratio"
  done
  printf '%b\n' "$line"
  echo "$ratios" >>"$RATIOS"
done
printf 'median ratio to nginx:'
for i in "${!PORTS[@]}"; do
  printf '  %s %s×' "${@:$((i + 1)):1}" "$(awk -v c=$((i + 1)) '{ print $c }' "$RATIOS" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
done
printf '\n'
