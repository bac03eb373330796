# Sourced by the proxy benchmarks: write_nginx_conf DIR BLOCK writes DIR/nginx.conf for one nginx
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
