# Sourced by the bench scripts: nginx with a minimal configuration of its
# own in a work folder, on 127.0.0.1 only, no access log.
#
#   nginx_start WORK PORT 'LOCATION BLOCK' ['MORE http SETTINGS']
#
# serves WORK/www; stop it with `"$NGINX" -c WORK/nginx.conf -s quit`.
# NGINX_WORKERS sets worker_processes (default auto).
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

nginx_start() {
    local work=$1 port=$2 location=$3 extra=${4:-}
    mkdir -p "$work/nginx-tmp"
    cat >"$work/nginx.conf" <<CONF
worker_processes ${NGINX_WORKERS:-auto};
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx-tmp/body;
    proxy_temp_path $work/nginx-tmp/proxy;
    fastcgi_temp_path $work/nginx-tmp/fastcgi;
    uwsgi_temp_path $work/nginx-tmp/uwsgi;
    scgi_temp_path $work/nginx-tmp/scgi;
    default_type "text/html; charset=utf-8";
    $extra
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        $location
    }
}
CONF
    ${SERVER_CPU:+taskset -c "$SERVER_CPU"} "$NGINX" -c "$work/nginx.conf"
    for _ in $(seq 1 50); do [ -s "$work/nginx.pid" ] && return 0; sleep 0.1; done
    echo "nginx did not start: $(cat "$work/nginx-error.log")" >&2
    return 1
}
