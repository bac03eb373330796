# Sourced by the proxy benchmarks.

# write_nginx_conf DIR BLOCK writes DIR/nginx.conf for one nginx
# worker (daemon, pid and temp files under DIR, no access log, keep-alive without a request limit)
# with BLOCK inside http {}; start it with: nginx -p DIR -c DIR/nginx.conf -e DIR/logs/error.log
write_nginx_conf() {
  mkdir -p "$1/logs"
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1; uwsgi_temp_path $1; scgi_temp_path $1;
  keepalive_requests 1000000;
  $2
}
CONF
}

# wait_compiled LOG: until a proxy started with its stderr in LOG says 'config compiled' (10 s at most,
# then LOG is shown and the benchmark stops).
wait_compiled() {
  for _ in $(seq 100); do grep -q 'config compiled' "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2
  exit 1
}

# free_port: a TCP port free on loopback right now.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
