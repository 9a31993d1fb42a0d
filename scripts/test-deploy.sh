#!/usr/bin/env bash
# scripts/test-deploy.sh — tests of the production deployment files (nginx/, deploy/).
#
#   nginx -t on every config, rendered with test paths and a self-signed certificate;
#   the production site as a private nginx on loopback (root master, workers as nobody) in
#   front of the real dda-server: redirects (308 to server_name, whatever the Host header; a
#   POST stays a POST), TLS versions, HTTP/2, security headers, no nginx version on any site,
#   rate limit → JSON 429, the client key of the limits (IPv4 address, IPv6 /64), the
#   long-poll connection cap → JSON 429, JSON 413, JSON 502 with the server down, CORS off by
#   default and for an allow-listed origin, /metrics from loopback only and from an address
#   added to its allow list, the WordPress /dda/ prefix, IPv6 on ::1 where the host has it,
#   the request id in the access log and as DDA_REQUEST_ID to FastCGI, a runner with the
#   example runner.toml (built-in operations only);
#   several servers behind the upstream example (nginx -t with fastcgi_pass dda_api; live: a
#   server down or hanging up is skipped for a GET and a not yet sent POST, never for a sent
#   POST); systemd-analyze verify/security on every unit (templates as dda-server@1), the
#   runners' hardening (exposure ≤ 2.0), the server's credentials, the template units'
#   settings and the cluster env example (exit 75 with the database unreachable); the
#   staggered timer and cron line (a per-host offset, as /bin/sh runs it); the logrotate file;
#   dda-server under systemd-socket-activate and under spawn-fcgi (the shipped wrapper, with
#   the credential files); install.sh into a temporary root (secrets as credential files, an
#   older install's server.env kept), its --php-pool-user and the site's HTTP/2 form per nginx
#   version.
#
# One line per check, then "N passed, M failed"; exit 1 if anything failed. Needs root
# (nginx's master must be root to run workers as nobody; spawn-fcgi changes users).
# Installs what is missing with apt-get: nginx openssl spawn-fcgi systemd curl logrotate.
# Environment: DDA_SERVER_BIN, DDA_RUNNER_BIN (default: the newer of .build/release and
# .build/debug). Network: 127.0.0.0/8 only.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

passed=0 failed=0
ok()   { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
bad()  { failed=$((failed + 1)); printf 'FAIL %s%s\n' "$1" "${2:+ — $2}"; }
# check NAME COMMAND...: passes when the command succeeds; its output is shown on failure.
check() {
    local name="$1" out
    shift
    if out="$("$@" 2>&1)"; then ok "$name"; else bad "$name" "$(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

if [ "$(id -u)" -ne 0 ]; then
    bad "running as root" "nginx workers as nobody, spawn-fcgi -u and install.sh's chown need root"
    finish
fi

# ---------------------------------------------------------------------------------------
# Tools (CI starts from a fresh machine).
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v openssl >/dev/null || need+=(openssl)
command -v spawn-fcgi >/dev/null || need+=(spawn-fcgi)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v systemd-socket-activate >/dev/null || need+=(systemd)
command -v curl >/dev/null || need+=(curl)
command -v logrotate >/dev/null || need+=(logrotate)
command -v python3 >/dev/null || need+=(python3)  # scripts/free-port.py, scripts/man-page.py
command -v man >/dev/null || need+=(man-db)        # the installed man pages are rendered
[ ${#need[@]} -eq 0 ] || dda_install_missing $(printf '%s\n' "${need[@]}" | sort -u)
for tool in nginx openssl spawn-fcgi systemd-analyze systemd-socket-activate curl sha256sum logrotate; do
    command -v "$tool" >/dev/null || { bad "tool $tool available"; finish; }
done

pick_bin() {  # the newer of release/debug unless given
    local name="$1" given="$2" r="$here/.build/release/$1" d="$here/.build/debug/$1"
    if [ -n "$given" ]; then echo "$given"
    elif [ -x "$r" ] && { [ ! -x "$d" ] || [ "$r" -nt "$d" ]; }; then echo "$r"
    elif [ -x "$d" ]; then echo "$d"
    else echo ""; fi
}
server_bin="$(pick_bin dda-server "${DDA_SERVER_BIN:-}")"
runner_bin="$(pick_bin dda-runner "${DDA_RUNNER_BIN:-}")"
if [ -z "$server_bin" ] || [ -z "$runner_bin" ]; then
    bad "dda-server and dda-runner built" "run swift build -c release first"
    finish
fi

# ---------------------------------------------------------------------------------------
# Scratch space, processes, cleanup.
T="$(mktemp -d /tmp/dda-deploy-test.XXXXXX)"
chmod 755 "$T"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
[ -z "${DDA_KEEP_TEST_DIR:-}" ] || trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; echo "kept $T"' EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds.
wait_for() {
    local deadline=$(( $1 * 10 )) i
    shift
    for ((i = 0; i < deadline; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
# stop_pid PID [SECONDS]: SIGTERM, wait until it is gone; its exit status in STOP_RC
# ("timeout" if it had to be killed). Not in $(...): only this shell can wait for its child.
stop_pid() {
    local pid="$1" limit="${2:-10}"
    STOP_RC=""
    if kill -TERM "$pid" 2>/dev/null; then
        if ! wait_for "$limit" bash -c "! kill -0 $pid 2>/dev/null || ps -o stat= -p $pid | grep -q '^Z'"; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            STOP_RC=timeout
        fi
    fi
    if [ -z "$STOP_RC" ]; then
        wait "$pid"
        STOP_RC=$?
    fi
    forget_pid "$pid"
}
forget_pid() {
    local keep=() p
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

HTTP_PORT=$(dda_free_port)
HTTPS_PORT=$(dda_free_port "$HTTP_PORT")
WP_PORT=$(dda_free_port "$HTTP_PORT" "$HTTPS_PORT")
CTRL_PORT=$(dda_free_port "$HTTP_PORT" "$HTTPS_PORT" "$WP_PORT")
KEY_PORT=$(dda_free_port "$HTTP_PORT" "$HTTPS_PORT" "$WP_PORT" "$CTRL_PORT")
PORTS_TAKEN=("$HTTP_PORT" "$HTTPS_PORT" "$WP_PORT" "$CTRL_PORT" "$KEY_PORT")
# IPv6 loopback: the site's [::] listeners become [::1] ones (else they are left out).
IPV6=no
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && IPV6=yes
[ "$HTTPS_PORT" != "$HTTP_PORT" ] || HTTPS_PORT=$((HTTP_PORT + 1))

NG="$T/nginx"        # the private nginx's prefix = its conf dir (relative includes resolve here)
RUN="$T/run"         # the FastCGI socket
SOCK="$RUN/api.sock"
mkdir -p "$NG"/{conf.d,snippets,sites,tls,logs,temp,acme/.well-known/acme-challenge} "$RUN"
chmod -R 755 "$NG" "$RUN"

export DDA_API_KEYS="test-api-key-$(dda_secret 16)"
export DDA_REGISTRATION_TOKEN="test-registration-$(dda_secret 16)"
export DDA_JWT_SECRET="test-jwt-secret-$(dda_secret)"
export DDA_LOG_LEVEL=warning
KEY="$DDA_API_KEYS"

# ---------------------------------------------------------------------------------------
# Render the real files with test paths.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=dda.example.com \
    -addext "subjectAltName=DNS:dda.example.com" \
    -keyout "$NG/tls/key.pem" -out "$NG/tls/cert.pem" >/dev/null 2>&1
chmod 644 "$NG/tls/cert.pem"
cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$NG/"
cp "$here/openapi.yaml" "$NG/openapi.yaml"
cp "$here/nginx/dda-ffdhe2048.pem" "$NG/dda-ffdhe2048.pem"
echo acme-token-content > "$NG/acme/.well-known/acme-challenge/test-token"
chmod -R a+rX "$NG"

render() {  # render SOURCE DEST
    sed -e "s|unix:/run/dda/api.sock|unix:$SOCK|" \
        -e "s|/etc/nginx/dda-ffdhe2048.pem|$NG/dda-ffdhe2048.pem|" \
        -e "s|/etc/letsencrypt/live/dda.example.com/fullchain.pem|$NG/tls/cert.pem|" \
        -e "s|/etc/letsencrypt/live/dda.example.com/privkey.pem|$NG/tls/key.pem|" \
        -e "s|/var/log/nginx/|$NG/logs/|" \
        -e "s|/usr/local/share/dda/openapi.yaml|$NG/openapi.yaml|" \
        -e "s|root /var/www/html;|root $NG/acme;|" \
        -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
        -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl http2;|" \
        "${v6sed[@]}" -e '/listen \[::\]/d' \
        "$1" > "$2"
}
v6sed=()
[ "$IPV6" = no ] || v6sed=(-e "s|listen \[::\]:80;|listen [::1]:$HTTP_PORT;|"
    -e "s|listen \[::\]:443 ssl http2;|listen [::1]:$HTTPS_PORT ssl http2;|")
for f in "$here"/nginx/conf.d/*.conf; do render "$f" "$NG/conf.d/$(basename "$f")"; done
for f in "$here"/nginx/snippets/*.conf; do render "$f" "$NG/snippets/$(basename "$f")"; done
render "$here/nginx/sites-available/dda.conf" "$NG/sites/dda.conf"

# A WordPress-like site on the same host that includes the /dda/ prefix snippet.
cat > "$NG/sites/wordpress.conf" <<EOF
server {
    listen 127.0.0.1:$WP_PORT;
    server_name wordpress.test;
    include snippets/dda-wordpress-prefix.conf;
    location / {
        default_type text/plain;
        return 200 "wordpress\n";
    }
}
EOF
# The client key of the limits (conf.d/dda-client-key.conf): /live answers the caller's
# $dda_client; /map answers the same rules applied to ?addr= (a renamed copy of the map).
key_site=()
[ ! -f "$here/nginx/conf.d/dda-client-key.conf" ] || key_site=(client-key.conf)
[ ${#key_site[@]} = 0 ] || {
    sed -e 's/\$remote_addr/$arg_addr/g' -e 's/ \$dda_client {/ $dda_test_client {/' \
        "$here/nginx/conf.d/dda-client-key.conf"
    echo "server {"
    echo "    listen 127.0.0.1:$KEY_PORT;"
    [ "$IPV6" = no ] || echo "    listen [::1]:$KEY_PORT;"
    echo "    server_name client-key.test;"
    echo "    default_type text/plain;"
    echo '    location = /live { return 200 "$dda_client\n"; }'
    echo '    location = /map { return 200 "$dda_test_client\n"; }'
    echo "}"
} > "$NG/sites/client-key.conf"
# Control for the TLS test: a server that does allow TLS 1.0, to prove the client can.
cat > "$NG/sites/control.conf" <<EOF
server {
    listen 127.0.0.1:$CTRL_PORT ssl;
    server_name control.test;
    ssl_certificate $NG/tls/cert.pem;
    ssl_certificate_key $NG/tls/key.pem;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    ssl_ciphers DEFAULT:@SECLEVEL=0;
    return 200 "control\n";
}
EOF

# The main config: as Debian's /etc/nginx/nginx.conf (which still allows TLSv1/1.1 in http{}).
write_main() {  # write_main FILE SITE...
    local file="$1" site
    shift
    {
        echo "user nobody nogroup;"
        echo "worker_processes 2;"
        echo "pid $NG/nginx.pid;"
        echo "error_log $NG/logs/error.log warn;"
        echo "events { worker_connections 512; }"
        echo "http {"
        echo "    include mime.types;"
        echo "    default_type application/octet-stream;"
        echo "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;"
        echo "    ssl_prefer_server_ciphers on;"
        echo "    access_log $NG/logs/access.log;"
        for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $NG/temp/$t;"; done
        echo "    include conf.d/*.conf;"
        for site in "$@"; do echo "    include sites/$site;"; done
        echo "}"
    } > "$file"
}
# The prefix renamed as the snippet's header says (/analysis), in a second WordPress-like site.
sed -e "s|/dda/|/analysis/|g" -e "s|\^/dda(|^/analysis(|g" -e "s|= /dda {|= /analysis {|" \
    "$NG/snippets/dda-wordpress-prefix.conf" > "$NG/snippets/dda-analysis-prefix.conf"
sed -e "s|listen 127.0.0.1:$WP_PORT;|listen 127.0.0.1:$(dda_free_port "${PORTS_TAKEN[@]}");|" -e 's|dda-wordpress-prefix.conf|dda-analysis-prefix.conf|' \
    -e 's|wordpress.test|analysis.test|' "$NG/sites/wordpress.conf" > "$NG/sites/wordpress-analysis.conf"
write_main "$NG/nginx.conf" dda.conf wordpress.conf control.conf "${key_site[@]}"
write_main "$NG/only-site.conf" dda.conf
write_main "$NG/only-wordpress.conf" wordpress.conf

echo "# nginx -t"
nginx_t() { nginx -t -q -p "$NG" -c "$1" -e "$NG/logs/error.log"; }
check "nginx -t: production site (sites-available/dda.conf + its snippets + conf.d)" nginx_t "$NG/only-site.conf"
check "nginx -t: WordPress prefix snippet inside a WordPress server block" nginx_t "$NG/only-wordpress.conf"
check "nginx -t: all together (the instance under test)" nginx_t "$NG/nginx.conf"
write_main "$NG/analysis.conf" wordpress-analysis.conf
rename_ok() { nginx_t "$NG/analysis.conf" && grep -q 'location ^~ /analysis/' "$NG/snippets/dda-analysis-prefix.conf" \
    && ! grep -q '/dda[/(]' "$NG/snippets/dda-analysis-prefix.conf" && grep -q 'include snippets/dda-fastcgi.conf' "$NG/snippets/dda-analysis-prefix.conf"; }
check "nginx -t: the prefix snippet renamed to /analysis with the sed its header shows" rename_ok
dev_dir="$T/dev"
"$here/scripts/render-nginx.sh" "$dev_dir" "$(dda_free_port "${PORTS_TAKEN[@]}")" "$dev_dir/api.sock" 1048576 >/dev/null
check "nginx -t: dev.conf.template (make run, integration tests)" \
    nginx -t -q -p "$dev_dir" -c "$dev_dir/nginx.conf" -e "$dev_dir/nginx-error.log"
# Several servers on one database (README, "Scaling out"): a copy of the rendered files in
# which the upstream example is conf.d/dda-upstream.conf and the snippet passes to dda_api,
# as the example's header says.
NC="$T/nginx-cluster"
mkdir -p "$NC/logs" "$NC/temp"
cp -r "$NG/conf.d" "$NG/snippets" "$NG/sites" "$NG/fastcgi_params" "$NG/mime.types" "$NC/"
sed -e "s|unix:/run/dda/|unix:$RUN/|" "$here/nginx/conf.d/dda-upstream.conf.example" > "$NC/conf.d/dda-upstream.conf"
sed -i "s|^fastcgi_pass unix:$SOCK;\$|fastcgi_pass dda_api;|" "$NC/snippets/dda-fastcgi.conf"
cluster_main() {  # cluster_main FILE SITE...: write_main with the copy's pid, logs and temp paths
    write_main "$@"
    sed -i "s|$NG/|$NC/|g" "$1"
}
cluster_main "$NC/nginx.conf" dda.conf wordpress.conf
check "nginx -t: conf.d/dda-upstream.conf (the example) with fastcgi_pass dda_api, the site and the WordPress prefix" \
    nginx -t -q -p "$NC" -c "$NC/nginx.conf" -e "$NC/logs/error.log"
upstream_config_ok() {  # what nginx -T reads: the upstream, and no proxy retry of a sent POST
    local dump up passes
    dump="$(nginx -T -q -p "$NC" -c "$NC/nginx.conf" -e "$NC/logs/error.log" 2>&1)" || { echo "$dump"; return 1; }
    dump="$(grep -v '^[[:space:]]*#' <<<"$dump")"
    up="$(sed -n '/^upstream dda_api {/,/^}/p' <<<"$dump")"
    [ "$(grep -cE "^ +server unix:$RUN/api-[12].sock max_fails=1 fail_timeout=10s;\$" <<<"$up")" = 2 ] \
        || { echo "upstream: $up"; return 1; }
    grep -qE '^ +zone dda_api [0-9]+k;$' <<<"$up" || { echo "no zone: $up"; return 1; }
    ! grep -q 'keepalive' <<<"$up" || { echo "keepalive in the upstream"; return 1; }
    passes="$(grep -E '^[[:space:]]*fastcgi_pass ' <<<"$dump" | sed 's/^[[:space:]]*//' | sort -u)"
    [ "$passes" = "fastcgi_pass dda_api;" ] || { echo "fastcgi_pass: $passes"; return 1; }
    [ "$(grep -E '^[[:space:]]*fastcgi_next_upstream ' <<<"$dump" | sed 's/^[[:space:]]*//' | sort -u)" = \
        "fastcgi_next_upstream error timeout;" ] || { echo "fastcgi_next_upstream: $(grep next_upstream <<<"$dump")"; return 1; }
    ! grep -q 'non_idempotent' <<<"$dump" || { echo "non_idempotent set"; return 1; }
}
check "upstream example: two sockets (max_fails=1 fail_timeout=10s, a shared zone), every fastcgi_pass to dda_api, next_upstream error timeout without non_idempotent (nginx -T)" upstream_config_ok
every_file_tested() {
    local f missing=""
    for f in "$here"/nginx/conf.d/*.conf "$here"/nginx/snippets/*.conf; do
        grep -rqs "$(basename "$f")" "$NG/sites" "$NG/snippets" || [ "$(dirname "$f")" = "$here/nginx/conf.d" ] \
            || missing+=" $(basename "$f")"
    done
    [ -z "$missing" ] || { echo "not included by any tested config:$missing"; return 1; }
}
check "nginx -t: every file in nginx/ is part of a tested config" every_file_tested
mozilla_intermediate() {
    local f="$here/nginx/snippets/dda-tls.conf"
    grep -q '^ssl_protocols TLSv1.2 TLSv1.3;$' "$f" && grep -q '^ssl_prefer_server_ciphers off;$' "$f" \
        && grep -q '^ssl_session_tickets off;$' "$f" && ! grep -q 'MLKEM' "$f" \
        && grep -q 'listen 443 ssl http2;' "$here/nginx/sites-available/dda.conf" \
        && ! grep -q 'http2 on' "$here/nginx/sites-available/dda.conf"
}
check "TLS snippet is Mozilla intermediate for nginx 1.22 (listen 443 ssl http2)" mozilla_intermediate
zones_keyed_by_client() {  # every limit_req_zone / limit_conn_zone counts per $dda_client
    local dump keys key values n=0
    dump="$(nginx -T -q -p "$NG" -c "$NG/only-site.conf" -e "$NG/logs/error.log" 2>&1)" || { echo "$dump"; return 1; }
    grep -q '^map \$remote_addr \$dda_client {' <<<"$dump" || { echo 'no "map $remote_addr $dda_client"'; return 1; }
    keys="$(awk '$1 == "limit_req_zone" || $1 == "limit_conn_zone" { print $2 }' <<<"$dump")"
    for key in $keys; do
        n=$((n + 1))
        [ "$key" = '$dda_client' ] && continue
        # Else a map whose every value is $dda_client or empty (one method only).
        values="$(awk -v k="$key" '$1 == "map" && $3 == k { m = 1; next } m && $1 == "}" { m = 0 }
            m && NF >= 2 && $1 !~ /^#/ { print $2 }' <<<"$dump" | LC_ALL=C sort -u | tr '\n' ' ')"
        [ "$values" = '""; $dda_client; ' ] || { echo "zone key $key: values $values"; return 1; }
    done
    grep -q '^limit_conn_zone ' <<<"$dump" || { echo "no limit_conn_zone"; return 1; }
    [ "$n" -ge 5 ] || { echo "only $n zones"; return 1; }
}
check "every limit_req_zone and limit_conn_zone is keyed by \$dda_client (IPv4 address, IPv6 /64; nginx -T)" zones_keyed_by_client
server_tokens_http_level() {  # once, in conf.d (http{}): every site of the host, not only DDA's
    local dump
    dump="$(nginx -T -q -p "$NG" -c "$NG/only-site.conf" -e "$NG/logs/error.log" 2>&1)" || { echo "$dump"; return 1; }
    grep -qx 'server_tokens off;' "$here/nginx/conf.d/dda-http.conf" || { echo "conf.d/dda-http.conf lacks server_tokens off;"; return 1; }
    ! grep -Hn '^[^#]*server_tokens' "$here/nginx/sites-available/dda.conf" "$here"/nginx/snippets/*.conf || return 1
    [ "$(grep -v '^[[:space:]]*#' <<<"$dump" | grep -c 'server_tokens')" = 1 ] || { grep server_tokens <<<"$dump"; return 1; }
}
check "server_tokens off once, at http level (conf.d/dda-http.conf), in no server block or snippet (nginx -T)" server_tokens_http_level
request_id_config() {
    local dump
    grep -qxF 'fastcgi_param DDA_REQUEST_ID $request_id;' "$here/nginx/snippets/dda-fastcgi.conf" \
        || { echo "snippets/dda-fastcgi.conf lacks fastcgi_param DDA_REQUEST_ID \$request_id;"; return 1; }
    # Every fastcgi_pass of the shipped site and snippets is the snippet's, so every FastCGI location has the id.
    ! grep -Hn '^[^#]*fastcgi_pass' "$here/nginx/sites-available/dda.conf" "$here"/nginx/snippets/*.conf \
        | grep -v '/snippets/dda-fastcgi.conf:' || { echo "(a fastcgi_pass outside snippets/dda-fastcgi.conf)"; return 1; }
    grep -qF 'fastcgi_param DDA_REQUEST_ID $request_id;' "$here/nginx/dev.conf.template" || { echo "dev.conf.template lacks it"; return 1; }
    grep -qxF '    access_log /var/log/nginx/dda.access.log dda;' "$here/nginx/sites-available/dda.conf" \
        || { echo "the site's access_log does not use the format dda"; return 1; }
    dump="$(nginx -T -q -p "$NG" -c "$NG/only-site.conf" -e "$NG/logs/error.log" 2>&1)" || { echo "$dump"; return 1; }
    sed -n '/^log_format dda /,/;$/p' <<<"$dump" | grep -qF 'request.id=$request_id' || { echo "log_format dda lacks request.id=\$request_id"; return 1; }
}
check "request id: fastcgi_param DDA_REQUEST_ID \$request_id in the FastCGI snippet (the only fastcgi_pass) and the dev config; the site logs format dda with it" request_id_config

# ---------------------------------------------------------------------------------------
echo "# the production site in front of dda-server"
server_log="$T/server.log"
start_server_path() {  # dda-server on its own unix socket
    rm -f "$SOCK"
    "$server_bin" --socket "$SOCK" --socket-mode 0666 >>"$server_log" 2>&1 &
    SERVER_PID=$!
    pids+=("$SERVER_PID")
}
start_server_path
dda_nginx_start "$NG" "$NG/nginx.conf" "$NG/logs/error.log" -g 'daemon off;'
NGINX_PID=$DDA_NGINX_PID
pids+=("$NGINX_PID")

BASE="https://dda.example.com:$HTTPS_PORT"
RESOLVE=(--resolve "dda.example.com:$HTTPS_PORT:127.0.0.1" --resolve "dda.example.com:$HTTP_PORT:127.0.0.1")
CURL=(curl -sS --max-time 15 --cacert "$NG/tls/cert.pem" "${RESOLVE[@]}")
# req NAME CURL-ARGS...: the answer's status in $T/NAME.code, headers in .hdr, body in .body
req() {
    local name="$1"
    shift
    "${CURL[@]}" -o "$T/$name.body" -D "$T/$name.hdr" -w '%{http_code}' "$@" > "$T/$name.code" 2>"$T/$name.err" \
        || true
}
code() { cat "$T/$1.code"; }
header() { tr -d '\r' < "$T/$2.hdr" | grep -i "^$1:" | head -n 1 | cut -d: -f2- | sed 's/^ *//'; }
has_code() { [ "$(code "$1")" = "$2" ] || { echo "status $(code "$1"), wanted $2: $(head -c 300 "$T/$1.body")"; return 1; }; }
is_json_error() {  # is_json_error NAME STATUS CODE
    has_code "$1" "$2" || return 1
    header Content-Type "$1" | grep -q '^application/json' || { echo "Content-Type: $(header Content-Type "$1")"; return 1; }
    grep -q "^{\"error\":{\"code\":\"$3\",\"message\":\"[^\"]*\"}}" "$T/$1.body" || { echo "body: $(head -c 300 "$T/$1.body")"; return 1; }
}
security_headers() {
    local h missing=""
    for h in Strict-Transport-Security X-Content-Type-Options X-Frame-Options Referrer-Policy Content-Security-Policy; do
        [ -n "$(header "$h" "$1")" ] || missing+=" $h"
    done
    [ -z "$missing" ] || { echo "missing:$missing (status $(code "$1"))"; return 1; }
    [ "$(header Server "$1")" = nginx ] || { echo "Server: $(header Server "$1")"; return 1; }
}

ready() { "${CURL[@]}" -fs -o /dev/null "$BASE/healthz"; }
if wait_for 15 ready; then ok "nginx and dda-server up (HTTPS /healthz answers)"
else bad "nginx and dda-server up" "$(tail -n 5 "$NG/logs/error.log" "$server_log" 2>/dev/null | tr '\n' ' ')"; finish; fi
workers_nobody() {
    local users
    users="$(ps -o user= --ppid "$NGINX_PID" | sort -u | tr '\n' ' ')"
    [ "$(ps -o user= -p "$NGINX_PID" | tr -d ' ')" = root ] && [ "$users" = "nobody " ] || { echo "workers: $users"; return 1; }
}
check "nginx master runs as root, workers as nobody" workers_nobody

req redirect "http://dda.example.com:$HTTP_PORT/healthz?x=1"
redirects() { has_code redirect 308 && [ "$(header Location redirect)" = "https://dda.example.com/healthz?x=1" ] || { echo "Location: $(header Location redirect)"; return 1; }; }
check "HTTP port 80 → 308 to https://, path and query kept" redirects
# A client configured with http:// that follows redirects (curl -L without --post301, as PHP and
# browsers do after a 301: a GET) repeats its POST with the body after a 308.
req post80 "http://dda.example.com:$HTTP_PORT/task" -L --connect-to "dda.example.com:443:127.0.0.1:$HTTPS_PORT" \
    -H 'Content-Type: application/json' -H "X-API-Key: $KEY" -d '{"operation_code":100,"params":{"via":"http"}}'
post_follows() {
    has_code post80 201 || return 1
    grep -q '"task_id":"' "$T/post80.body" || { echo "body: $(head -c 300 "$T/post80.body")"; return 1; }
    tr -d '\r' < "$T/post80.hdr" | grep -qx 'HTTP/1.1 308 Permanent Redirect' || { echo "no 308 on the way: $(tr -d '\r' < "$T/post80.hdr" | grep '^HTTP')"; return 1; }
}
check "POST /task to http:// (port 80), redirects followed → 308, the POST repeated over HTTPS with its body → 201" post_follows
req acme "http://dda.example.com:$HTTP_PORT/.well-known/acme-challenge/test-token"
check "HTTP port 80 serves ACME challenges (not redirected)" bash -c "[ \"\$(cat '$T/acme.code')\" = 200 ] && grep -q acme-token-content '$T/acme.body'"
# A client-chosen Host header must not steer a redirect: the target is the server_name.
req evil80 "http://127.0.0.1:$HTTP_PORT/healthz?x=1" -H 'Host: evil.example'
location_is() { has_code "$1" "$2" && [ "$(header Location "$1")" = "$3" ] || { echo "Location: $(header Location "$1")"; return 1; }; }
check "port 80 with Host: evil.example → 308 to https://dda.example.com/… (server_name, not the Host header)" \
    location_is evil80 308 "https://dda.example.com/healthz?x=1"
req evil497 "http://127.0.0.1:$HTTPS_PORT/healthz?y=2" -H 'Host: evil.example'
check "plain HTTP to the HTTPS port with Host: evil.example → 308 to https://dda.example.com/…" \
    location_is evil497 308 "https://dda.example.com/healthz?y=2"

tls_handshake() {  # tls_handshake PORT OPTION...
    local port="$1"
    shift
    openssl s_client -connect "127.0.0.1:$port" -servername dda.example.com "$@" </dev/null >"$T/tls.out" 2>&1
}
check "TLS 1.2 handshake succeeds" tls_handshake "$HTTPS_PORT" -tls1_2
check "TLS 1.3 handshake succeeds" tls_handshake "$HTTPS_PORT" -tls1_3
check "control: this openssl client can do TLS 1.0 where a server allows it" \
    tls_handshake "$CTRL_PORT" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
check "TLS 1.0 refused" bash -c "! openssl s_client -connect 127.0.0.1:$HTTPS_PORT -servername dda.example.com -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
check "TLS 1.1 refused" bash -c "! openssl s_client -connect 127.0.0.1:$HTTPS_PORT -servername dda.example.com -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
h2() { [ "$("${CURL[@]}" --http2 -o /dev/null -w '%{http_version}' "$BASE/healthz")" = 2 ]; }
check "HTTP/2 negotiated over TLS (ALPN)" h2

if [ "$IPV6" = yes ]; then
    v6_healthz() { curl -sS --max-time 15 -g --cacert "$NG/tls/cert.pem" --resolve "dda.example.com:$HTTPS_PORT:[::1]" \
        "$BASE/healthz" | grep -q '"status":"ok"'; }
    check "IPv6: the site's [::]:443 listener (as [::1]) answers /healthz" v6_healthz
fi

req health "$BASE/healthz"
check "GET /healthz over HTTPS → 200 {\"status\":\"ok\"}" bash -c "[ \"\$(cat '$T/health.code')\" = 200 ] && grep -q '\"status\":\"ok\"' '$T/health.body'"
check "security headers on a success answer (and no nginx version)" security_headers health
req plain_on_tls "http://127.0.0.1:$HTTPS_PORT/healthz"
check "plain HTTP sent to the HTTPS port → 308 to https" has_code plain_on_tls 308

req create "$BASE/task" -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" \
    -d '{"operation_code":300,"params":{"values":[1,2,3,4]}}'
check "POST /task through the site → 201" has_code create 201
req notfound "$BASE/no/such/route"
check "dda-server's own JSON 404 passes through" is_json_error notfound 404 not_found
check "security headers on an error answer from dda-server" security_headers notfound
head -c 2097152 /dev/zero | tr '\0' 'a' > "$T/2mb.json"
req big "$BASE/task" --http2 -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" --data-binary "@$T/2mb.json"
check "2 MB body (HTTP/2) → JSON 413 payload_too_large from nginx" is_json_error big 413 payload_too_large
req big11 "$BASE/task" --http1.1 -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" --data-binary "@$T/2mb.json"
check "2 MB body (HTTP/1.1) → JSON 413 payload_too_large from nginx" is_json_error big11 413 payload_too_large
check "security headers on nginx's 413" security_headers big
req badreq "$BASE/healthz" --http1.1 -H 'Host:'
check "malformed request (HTTP/1.1 without Host) → JSON 400" is_json_error badreq 400 bad_request
req longuri "$BASE/$(head -c 20000 /dev/zero | tr '\0' 'a')" --http1.1
check "over-long request line → JSON 414 (not an HTML page)" bash -c "grep -q '^{\"error\":{\"code\":\"uri_too_long\"' '$T/longuri.body' || grep -q '^{\"error\":{\"code\":\"bad_request\"' '$T/longuri.body'"

# Rate limit: a burst on POST /register from one address (127.0.0.3: its own bucket).
burst() {
    local i c first="" got429=""
    for i in $(seq 1 15); do
        req "reg$i" --interface 127.0.0.3 "$BASE/register" -X POST -H 'Content-Type: application/json' \
            -d '{"name":"burst","registration_token":"wrong-token-wrong-token"}'
        c="$(code "reg$i")"
        [ -n "$first" ] || first="$c"
        if [ "$c" = 429 ]; then got429="reg$i"; break; fi
    done
    [ "$first" != 429 ] || { echo "the first request was already limited"; return 1; }
    [ -n "$got429" ] || { echo "15 requests, no 429"; return 1; }
    echo "$got429" > "$T/burst.name"
}
check "a burst on POST /register gets 429 (the first requests pass)" burst
r429="$(cat "$T/burst.name" 2>/dev/null || echo none)"
check "the 429 is the contract's JSON (rate_limited)" is_json_error "$r429" 429 rate_limited
check "the 429 carries Retry-After: 10" bash -c "tr -d '\r' < '$T/$r429.hdr' | grep -qi '^Retry-After: 10$'"
check "security headers on nginx's 429" security_headers "$r429"
req reg_other "$BASE/register" -X POST -H 'Content-Type: application/json' \
    -d '{"name":"other","registration_token":"wrong-token-wrong-token"}'
check "another address is not limited by that burst" bash -c "[ \"\$(cat '$T/reg_other.code')\" != 429 ]"
req reg_get --interface 127.0.0.3 "$BASE/register"
check "GET /register is not counted in the POST /register zone" bash -c "[ \"\$(cat '$T/reg_get.code')\" = 405 ]"

# The client key: an IPv4 address, an IPv6 /64 (conf.d/dda-client-key.conf).
key_table() {
    local pair addr want got bad=""
    for pair in 192.0.2.7=192.0.2.7 ::ffff:192.0.2.7=::ffff:192.0.2.7 ::1=0:0:0:0 ::=0:0:0:0 \
        2001:db8::1=2001:db8:0:0 2001:db8::5:6:7:8=2001:db8:0:0 2001:db8:0:0:1::=2001:db8:0:0 \
        2001:db8:0:1::1=2001:db8:0:1 2001:db8:1:2:3:4:5:6=2001:db8:1:2 2001:db8:1:2::6=2001:db8:1:2 \
        2001:db8:1::5:6:7=2001:db8:1:0 2001:db8::4:5:6:7:8=2001:db8:0:4 1::4:5:6:7:8=1:0:0:4 \
        1::3:4:5:6:7:8=1:0:3:4 ::4:5:6:7:8=0:0:0:4 ::3:4:5:6:7:8=0:0:3:4 ::2:3:4:5:6:7:8=0:2:3:4 \
        fe80::1=fe80:0:0:0 1::=1:0:0:0 1:2::=1:2:0:0 1:2:3::=1:2:3:0 1:2:3:4::=1:2:3:4 \
        a:b:c:d:e:f:1:2=a:b:c:d; do
        addr="${pair%%=*}" want="${pair#*=}"
        got="$(curl -sS --max-time 5 "http://127.0.0.1:$KEY_PORT/map?addr=$addr")"
        [ "$got" = "$want" ] || bad+=" $addr→$got (want $want)"
    done
    [ -z "$bad" ] || { echo "wrong:$bad"; return 1; }
}
check "client key: IPv4 per address; IPv6 per /64, whatever the :: compression (table)" key_table
if command -v python3 >/dev/null; then
    key_oracle() {
        python3 - "$KEY_PORT" <<'PY'
import http.client, ipaddress, random, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
rng, bad, n = random.Random(), [], 0
while n < 2000:
    # Many zero groups, so that every place and length of "::" comes up.
    groups = [0 if rng.random() < 0.5 else rng.choice([rng.randrange(1, 16), rng.randrange(1, 65536)]) for _ in range(8)]
    addr = ipaddress.IPv6Address(b"".join(g.to_bytes(2, "big") for g in groups))
    if addr.ipv4_mapped is not None:
        continue
    n += 1
    want = ":".join("%x" % g for g in groups[:4])
    conn.request("GET", "/map?addr=" + addr.compressed)
    got = conn.getresponse().read().decode().strip()
    if got != want:
        bad.append(f"{addr.compressed}: {got}, want {want}")
print(f"{n} addresses, {len(bad)} wrong", *bad[:3], sep="\n")
sys.exit(1 if bad else 0)
PY
    }
    check "client key: 2000 random IPv6 addresses (RFC 5952 text) → their /64 (Python's ipaddress agrees)" key_oracle
fi
live_key() {  # live_key URL WANT
    local got
    got="$(curl -sS -g --max-time 5 "$1")"
    [ "$got" = "$2" ] || { echo "$1: $got, want $2"; return 1; }
}
check "client key of a real IPv4 client: the address (127.0.0.1)" live_key "http://127.0.0.1:$KEY_PORT/live" 127.0.0.1
if [ "$IPV6" = yes ]; then
    check "client key of a real IPv6 client (::1): its /64 (0:0:0:0)" live_key "http://[::1]:$KEY_PORT/live" 0:0:0:0
    # The zones count IPv6 clients too: a burst from ::1 on POST /register.
    burst6() {
        local i c
        for i in $(seq 1 15); do
            curl -sS -g --max-time 15 --cacert "$NG/tls/cert.pem" --resolve "dda.example.com:$HTTPS_PORT:[::1]" \
                -o "$T/reg6_$i.body" -D "$T/reg6_$i.hdr" -w '%{http_code}' "$BASE/register" -X POST \
                -H 'Content-Type: application/json' -d '{"name":"burst6","registration_token":"wrong-token-wrong-token"}' \
                > "$T/reg6_$i.code" 2>"$T/reg6_$i.err"
            c="$(code "reg6_$i")"
            [ "$c" != 429 ] || { is_json_error "reg6_$i" 429 rate_limited; return; }
        done
        echo "15 requests from ::1, no 429"
        return 1
    }
    check "IPv6 client (::1): a burst on POST /register → JSON 429" burst6
fi

# Long polls: at most 32 at once per client (limit_conn), nginx's JSON 429 beyond. Three
# runners (dda-server parks at most 16 polls per runner itself), 40 polls from 127.0.0.4
# at once, and one from 127.0.0.6 (another client) in the middle of them.
poll_cap() {
    local r i body ids=() toks=() codes limited=0 passed=0
    for r in 1 2 3; do
        body="$("${CURL[@]}" -s --interface 127.0.0.5 -X POST -H 'Content-Type: application/json' "$BASE/register" \
            -d "{\"name\":\"poll-cap-$r\",\"operation_codes\":[999999],\"registration_token\":\"$DDA_REGISTRATION_TOKEN\"}")"
        ids+=("$(printf '%s' "$body" | grep -o '"runner_id":"[^"]*"' | cut -d'"' -f4)")
        toks+=("$(printf '%s' "$body" | grep -o '"runner_token":"[^"]*"' | cut -d'"' -f4)")
        [ -n "${ids[-1]}" ] && [ -n "${toks[-1]}" ] || { echo "register: $body"; return 1; }
    done
    for i in $(seq 1 40); do
        r=$((i % 3))
        req "poll$i" --http1.1 --interface 127.0.0.4 -H "Authorization: Bearer ${toks[$r]}" \
            "$BASE/tasks?runner_id=${ids[$r]}&wait=8" &
        [ "$i" != 35 ] || req poll_other --http1.1 --interface 127.0.0.6 -H "Authorization: Bearer ${toks[0]}" \
            "$BASE/tasks?runner_id=${ids[0]}&wait=8" &
    done
    wait
    for i in $(seq 1 40); do
        if [ "$(code "poll$i")" = 429 ] && grep -q '"code":"rate_limited"' "$T/poll$i.body"; then
            limited=$((limited + 1))
            echo "poll$i" > "$T/poll429.name"
        elif [ "$(code "poll$i")" = 204 ]; then
            passed=$((passed + 1))
        fi
    done
    codes="$(for i in $(seq 1 40); do code "poll$i"; echo; done | sort | uniq -c | tr -s ' \n' ' ')"
    [ "$limited" -ge 1 ] && [ "$passed" -le 32 ] && [ $((limited + passed)) = 40 ] \
        || { echo "40 polls: $limited limited by nginx, $passed waited (codes:$codes)"; return 1; }
    [ "$(code poll_other)" = 204 ] || { echo "the other client's poll: $(code poll_other)"; return 1; }
}
check "long polls: 40 at once from one client → at most 32 wait, the rest JSON 429; another client unaffected" poll_cap
p429="$(cat "$T/poll429.name" 2>/dev/null || echo none)"
check "the long-poll 429 is the contract's JSON (rate_limited) with Retry-After" \
    bash -c "grep -q '^{\"error\":{\"code\":\"rate_limited\"' '$T/$p429.body' && tr -d '\r' < '$T/$p429.hdr' | grep -qi '^Retry-After: [0-9]'"

# /metrics: loopback only (127.0.0.1 and ::1; 127.0.0.2 is another address).
req metrics_local "$BASE/metrics" -H "X-API-Key: $KEY"
check "/metrics from 127.0.0.1 → 200" has_code metrics_local 200
req metrics_remote --interface 127.0.0.2 "$BASE/metrics" -H "X-API-Key: $KEY"
check "/metrics from another address (127.0.0.2) → JSON 403" is_json_error metrics_remote 403 forbidden
check "security headers on nginx's 403" security_headers metrics_remote

# CORS: off as shipped; then with an allow-listed origin.
req cors_off "$BASE/task" -X OPTIONS -H 'Origin: https://admin.test' -H 'Access-Control-Request-Method: POST'
check "CORS off by default: no Access-Control-Allow-Origin for any origin" \
    bash -c "! tr -d '\r' < '$T/cors_off.hdr' | grep -qi '^Access-Control-'"
sed -e 's|^    # "https://admin.example.com"  $http_origin;|    "https://admin.test"  $http_origin;|' \
    "$here/nginx/conf.d/dda-cors.conf" > "$NG/conf.d/dda-cors.conf"
preflight_204() { [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://admin.test' "$BASE/task")" = 204 ]; }
# The same reload also lists 127.0.0.7 in the /metrics allow list (its Prometheus example line).
sed -e 's|^    # 192.0.2.10      1;    # Prometheus$|    127.0.0.7       1;    # Prometheus|' \
    "$here/nginx/conf.d/dda-metrics.conf" > "$NG/conf.d/dda-metrics.conf"
old_workers="$(ps -o pid= --ppid "$NGINX_PID" | tr -d ' ' | tr '\n' ' ')"
workers_replaced() { local p; for p in $old_workers; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
if grep -q '"https://admin.test"' "$NG/conf.d/dda-cors.conf" && grep -q '^    127.0.0.7 ' "$NG/conf.d/dda-metrics.conf" \
    && kill -HUP "$NGINX_PID" && wait_for 10 workers_replaced && wait_for 10 preflight_204; then
    ok "allow-list entries added (CORS origin, a /metrics client) and nginx reloaded"
else
    bad "allow-list entries added (CORS origin, a /metrics client) and nginx reloaded"
fi
req metrics_listed --interface 127.0.0.7 "$BASE/metrics" -H "X-API-Key: $KEY"
metrics_listed_ok() { has_code metrics_listed 200 && grep -q '^# TYPE ' "$T/metrics_listed.body" || { echo "body: $(head -c 200 "$T/metrics_listed.body")"; return 1; }; }
check "/metrics from an address added to conf.d/dda-metrics.conf (127.0.0.7) → 200 Prometheus text" metrics_listed_ok
req metrics_listed_wp --interface 127.0.0.7 "http://127.0.0.1:$WP_PORT/dda/metrics" -H "X-API-Key: $KEY"
check "prefix: /dda/metrics from that address → 200 (one allow list for both)" has_code metrics_listed_wp 200
req metrics_still_denied --interface 127.0.0.2 "$BASE/metrics" -H "X-API-Key: $KEY"
check "/metrics from an address not listed (127.0.0.2) → still JSON 403" is_json_error metrics_still_denied 403 forbidden
req cors_yes "$BASE/task" -X OPTIONS -H 'Origin: https://admin.test' -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: content-type, x-api-key'
cors_allowed() {
    has_code cors_yes 204 || return 1
    [ "$(header Access-Control-Allow-Origin cors_yes)" = https://admin.test ] || { echo "ACAO: $(header Access-Control-Allow-Origin cors_yes)"; return 1; }
    header Access-Control-Allow-Methods cors_yes | grep -q POST || { echo "no Allow-Methods"; return 1; }
    header Access-Control-Allow-Headers cors_yes | grep -qi x-api-key || { echo "no Allow-Headers"; return 1; }
}
check "CORS preflight from an allow-listed origin → 204 with Allow-Origin/Methods/Headers" cors_allowed
check "security headers on the 204 preflight" security_headers cors_yes
req cors_no "$BASE/task" -X OPTIONS -H 'Origin: https://evil.test' -H 'Access-Control-Request-Method: POST'
check "CORS preflight from another origin: not 204, no Access-Control-Allow-Origin" \
    bash -c "[ \"\$(cat '$T/cors_no.code')\" != 204 ] && ! tr -d '\r' < '$T/cors_no.hdr' | grep -qi '^Access-Control-Allow-Origin'"
req cors_get "$BASE/healthz" -H 'Origin: https://admin.test'
check "an allowed origin's GET carries Access-Control-Allow-Origin (no preflight headers)" \
    bash -c "tr -d '\r' < '$T/cors_get.hdr' | grep -qi '^Access-Control-Allow-Origin: https://admin.test$' && ! tr -d '\r' < '$T/cors_get.hdr' | grep -qi '^Access-Control-Allow-Methods'"

# WordPress on the same host: the API under /dda/.
WP="http://127.0.0.1:$WP_PORT"
req wp_root "$WP/"
check "prefix: the WordPress site itself is untouched" bash -c "grep -q wordpress '$T/wp_root.body'"
req other_site "http://127.0.0.1:$KEY_PORT/live"
req other_404 "http://127.0.0.1:$KEY_PORT/no-such-page"
no_version() {  # other sites of the host (no server_tokens of their own): no nginx version
    local name
    for name in wp_root other_site other_404; do
        [ "$(header Server "$name")" = nginx ] || { echo "$name: Server: $(header Server "$name")"; return 1; }
    done
    has_code other_404 404 || return 1
    ! grep -q 'nginx/' "$T/other_404.body" || { echo "nginx's error page: $(grep nginx/ "$T/other_404.body")"; return 1; }
}
check "the host's other sites (no server_tokens of their own) name no nginx version either: Server header, nginx's HTML 404" no_version
req wp_health "$WP/dda/healthz"
check "prefix: /dda/healthz → dda-server's /healthz" bash -c "[ \"\$(cat '$T/wp_health.code')\" = 200 ] && grep -q '\"status\":\"ok\"' '$T/wp_health.body'"
req wp_index "$WP/dda/"
check "prefix: /dda/ → dda-server's GET / (api v1)" bash -c "grep -q '\"api\":\"v1\"' '$T/wp_index.body'"
req wp_bare "$WP/dda"
check "prefix: /dda → 301 /dda/" bash -c "[ \"\$(cat '$T/wp_bare.code')\" = 301 ]"
req wp_evil "$WP/dda" -H 'Host: evil.example'
check "prefix: /dda with Host: evil.example → 301 to the relative /dda/ (no Host header in it)" location_is wp_evil 301 /dda/
prefix_poll_cap() {
    local f="$NG/snippets/dda-wordpress-prefix.conf"
    awk '/location ~ \^\/dda\(\?<dda_path>\/\(\?:tasks\|results\)\)\$/ { m = 1 } m && /limit_conn dda_poll 32;/ { found = 1 } m && /^    }/ { m = 0 } END { exit !found }' "$f" \
        || { echo "no limit_conn dda_poll 32 in the /dda/tasks location"; return 1; }
    grep -q '^    limit_conn_status 429;' "$f" || { echo "no limit_conn_status 429"; return 1; }
}
check "prefix: /dda/tasks has the same long-poll cap (limit_conn dda_poll 32, status 429)" prefix_poll_cap
req wp_create "$WP/dda/task" -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" -d '{"operation_code":100}'
tid="$(grep -o '"task_id":"[^"]*"' "$T/wp_create.body" | cut -d'"' -f4)"
req wp_task "$WP/dda/task/$tid" -H "X-API-Key: $KEY"
check "prefix: POST /dda/task → 201, GET /dda/task/ID → 200 (path and body pass)" \
    bash -c "[ \"\$(cat '$T/wp_create.code')\" = 201 ] && [ -n '$tid' ] && [ \"\$(cat '$T/wp_task.code')\" = 200 ] && grep -q '$tid' '$T/wp_task.body'"
req wp_method "$WP/dda/register"
check "prefix: GET /dda/register → dda-server's 405 with Allow (the server saw /register)" \
    bash -c "[ \"\$(cat '$T/wp_method.code')\" = 405 ] && tr -d '\r' < '$T/wp_method.hdr' | grep -qi '^Allow:'"
req wp_nested "$WP/dda/dda/healthz"
check "prefix: only the first /dda is stripped (/dda/dda/healthz → 404)" has_code wp_nested 404
req wp_big "$WP/dda/task" -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" --data-binary "@$T/2mb.json"
check "prefix: 2 MB body → JSON 413" is_json_error wp_big 413 payload_too_large
req wp_metrics --interface 127.0.0.2 "$WP/dda/metrics" -H "X-API-Key: $KEY"
check "prefix: /dda/metrics from 127.0.0.2 → JSON 403" is_json_error wp_metrics 403 forbidden
req wp_docs "$WP/dda/openapi.yaml"
check "prefix: /dda/openapi.yaml served" bash -c "[ \"\$(cat '$T/wp_docs.code')\" = 200 ] && grep -q '^openapi:' '$T/wp_docs.body'"

# A runner set up as the README says: the example runner.toml with the registration token
# filled in (as install.sh does), against this server. It must offer the built-in operations
# only: an example handler left active would advertise its code and fail every such task.
sed -e "s|^registration_token = \".*\"|registration_token = \"$DDA_REGISTRATION_TOKEN\"|" \
    "$here/deploy/examples/runner.toml" > "$T/runner.toml"
mkdir -p "$T/runner-state"
toml_runner="toml-example-$$"
"$runner_bin" --once --config "$T/runner.toml" --server "http://127.0.0.1:$WP_PORT/dda" \
    --name "$toml_runner" --state-file "$T/runner-state/runner.json" > "$T/toml-runner.log" 2>&1
toml_rc=$?
example_runner_codes() {
    [ "$toml_rc" = 0 ] || { echo "dda-runner --once: exit $toml_rc: $(tail -n 3 "$T/toml-runner.log")"; return 1; }
    "${CURL[@]}" -fs -H "X-API-Key: $KEY" "$BASE/runners" > "$T/runners.json" || { echo "GET /runners failed"; return 1; }
    python3 - "$T/runners.json" "$toml_runner" <<'PY'
import json, sys
doc, name = json.load(open(sys.argv[1])), sys.argv[2]
def runners(node):
    if isinstance(node, dict):
        if node.get("name") == name and "operation_codes" in node:
            yield node
        for v in node.values():
            yield from runners(v)
    elif isinstance(node, list):
        for v in node:
            yield from runners(v)
found = list(runners(doc))
if len(found) != 1:
    sys.exit(f"runner {name}: {len(found)} entries in GET /runners")
codes = sorted(found[0]["operation_codes"])
if codes != [100, 200, 300]:
    sys.exit(f"operation_codes {codes}, want [100, 200, 300]")
PY
}
check "the example runner.toml, token filled in: the runner registers with operation codes 100, 200, 300 only (every example handler commented out)" \
    example_runner_codes
no_active_handler() {
    local f="$here/deploy/examples/runner.toml"
    ! grep -n '^[[:space:]]*\[\[handler' "$f" || { echo "(an uncommented [[handler]] in $f)"; return 1; }
    grep -q '^# \[\[handler\]\]$' "$f" || { echo "no commented example handler left"; return 1; }
}
check "deploy/examples/runner.toml: every [[handler]] commented out (examples kept)" no_active_handler

# dda-server stopped: nginx answers 502 in JSON.
stop_pid "$SERVER_PID" 10; rc="$STOP_RC"
check "dda-server (own socket) stops on SIGTERM with exit 0" bash -c "[ '$rc' = 0 ] || { echo 'exit $rc'; exit 1; }"
req down "$BASE/healthz"
check "server stopped → JSON 502 bad_gateway" is_json_error down 502 bad_gateway
check "the 502 carries Retry-After" bash -c "tr -d '\r' < '$T/down.hdr' | grep -qi '^Retry-After: [0-9]'"
check "security headers on nginx's 502" security_headers down
req wp_down "$WP/dda/healthz"
check "prefix: server stopped → JSON 502" is_json_error wp_down 502 bad_gateway

# The request id: a FastCGI stand-in on the server's socket answers with the DDA_REQUEST_ID
# parameter nginx sent; nginx's access log (format dda) must show the same id for the request.
cat > "$T/echo-fcgi.py" <<'PY'
import os, socket, struct, sys
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
listener.listen(16)
def pairs(data):
    out, i = {}, 0
    def length():
        nonlocal i
        if data[i] >> 7:
            n = struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF
            i += 4
        else:
            n = data[i]
            i += 1
        return n
    while i < len(data):
        n, v = length(), length()
        out[data[i:i + n].decode()] = data[i + n:i + n + v].decode(errors="replace")
        i += n + v
    return out
while True:
    conn, _ = listener.accept()
    conn.settimeout(5)
    buf, params, rid, done = b"", b"", 1, False
    try:
        while not done:
            data = conn.recv(65536)
            if not data:
                break
            buf += data
            while len(buf) >= 8:
                _, kind, rid, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                if kind == 4:
                    params += buf[8:8 + clen]
                done = done or (kind == 5 and clen == 0)
                buf = buf[8 + clen + plen:]
        body = ("DDA_REQUEST_ID=%s\n" % pairs(params).get("DDA_REQUEST_ID", "")).encode()
        out = b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body
        record = lambda kind, content: struct.pack(">BBHHBB", 1, kind, rid, len(content), 0, 0) + content
        conn.sendall(record(6, out) + record(6, b"") + record(3, struct.pack(">IB3x", 0, 0)))
    except OSError:
        pass
    conn.close()
PY
rm -f "$SOCK"
python3 "$T/echo-fcgi.py" "$SOCK" >>"$server_log" 2>&1 &
ECHO_PID=$!
pids+=("$ECHO_PID")
wait_for 10 test -S "$SOCK"
req rid "$BASE/healthz?request-id-probe=$$"
request_id_passed() {
    local sent logged
    has_code rid 200 || return 1
    sent="$(sed -n 's/^DDA_REQUEST_ID=//p' "$T/rid.body")"
    [[ "$sent" =~ ^[0-9a-f]{32}$ ]] || { echo "DDA_REQUEST_ID as the server got it: '$sent'"; return 1; }
    wait_for 5 grep -q "request-id-probe=$$" "$NG/logs/dda.access.log"
    logged="$(grep "request-id-probe=$$" "$NG/logs/dda.access.log" | grep -o 'request\.id=[0-9a-f]*' | cut -d= -f2)"
    [ "$logged" = "$sent" ] || { echo "access log: '$logged', FastCGI param: '$sent'"; return 1; }
}
check "request id: the FastCGI param DDA_REQUEST_ID is nginx's \$request_id (32 hex), the same as request.id= in the access log" request_id_passed
req rid_wp "$WP/dda/healthz"
check "prefix: DDA_REQUEST_ID passed there too" bash -c "grep -qE '^DDA_REQUEST_ID=[0-9a-f]{32}\$' '$T/rid_wp.body'"
stop_pid "$ECHO_PID" 5
rm -f "$SOCK"

# ---------------------------------------------------------------------------------------
echo "# dda-server under systemd-socket-activate and spawn-fcgi"
workflow_ok() {  # a task created and read back through nginx
    local body id
    body="$("${CURL[@]}" -fs -X POST -H 'Content-Type: application/json' -H "X-API-Key: $KEY" \
        -d '{"operation_code":200}' "$BASE/task")" || return 1
    id="$(printf '%s' "$body" | grep -o '"task_id":"[^"]*"' | cut -d'"' -f4)"
    [ -n "$id" ] && "${CURL[@]}" -fs -H "X-API-Key: $KEY" "$BASE/task/$id" | grep -q "\"task_id\":\"$id\""
}

rm -f "$SOCK"
# umask 0 so nginx's workers (nobody) may connect; systemd's .socket unit sets the mode itself.
( umask 0; exec systemd-socket-activate -l "$SOCK" -E DDA_API_KEYS -E DDA_REGISTRATION_TOKEN \
    -E DDA_JWT_SECRET -E DDA_LOG_LEVEL "$server_bin" --socket systemd ) >>"$server_log" 2>&1 &
SA_PID=$!
pids+=("$SA_PID")
check "systemd-socket-activate: socket created" wait_for 10 test -S "$SOCK"
# It creates the socket 0644 (root only): open it to nginx's workers (nobody). systemd's
# dda-server.socket sets SocketMode/SocketGroup instead.
chmod 0666 "$SOCK" 2>/dev/null
check "systemd-socket-activate: the first request starts dda-server and is answered" wait_for 15 ready
check "systemd-socket-activate: create and read a task" workflow_ok
check "systemd-socket-activate: the process is dda-server with LISTEN_FDS" \
    bash -c "tr '\0' '\n' < /proc/$SA_PID/environ | grep -q '^LISTEN_FDS=1$' && [ \"\$(readlink /proc/$SA_PID/exe)\" = \"\$(readlink -f '$server_bin')\" ]"
stop_pid "$SA_PID" 10; rc="$STOP_RC"
check "systemd-socket-activate: SIGTERM stops dda-server with exit 0" bash -c "[ '$rc' = 0 ] || { echo 'exit $rc'; exit 1; }"
rm -f "$SOCK"

# An older install's server.env: the example with its secret lines filled in (they are
# commented out in it now: a new install keeps the secrets in /etc/dda/credentials/).
env_file="$T/server.env"
sed -e "s|^#DDA_API_KEYS=\$|DDA_API_KEYS=$DDA_API_KEYS|" \
    -e "s|^#DDA_REGISTRATION_TOKEN=\$|DDA_REGISTRATION_TOKEN=$DDA_REGISTRATION_TOKEN|" \
    -e "s|^#DDA_JWT_SECRET=\$|DDA_JWT_SECRET=$DDA_JWT_SECRET|" "$here/deploy/examples/server.env" > "$env_file"
chmod 600 "$env_file"
check "server.env example: its three secret lines can be filled in (an older install's file)" \
    bash -c "[ \$(grep -cE '^DDA_(API_KEYS|REGISTRATION_TOKEN|JWT_SECRET)=.' '$env_file') = 3 ]"
# A new install's: the example as it is, the secrets as files in credentials/.
env_file_new="$T/server-new.env"
cp "$here/deploy/examples/server.env" "$env_file_new"
cred_dir="$T/credentials"
mkdir -p "$cred_dir"
chmod 700 "$cred_dir"
printf '%s\n' "$DDA_API_KEYS" > "$cred_dir/api_keys"
printf '%s\n' "$DDA_REGISTRATION_TOKEN" > "$cred_dir/registration_token"
printf '%s\n' "$DDA_JWT_SECRET" > "$cred_dir/jwt_secret"
chmod 600 "$cred_dir"/*

# As dda-server.service runs it: its ExecStart, the socket as stdin (StandardInput=socket;
# systemd-socket-activate --inetd passes it the same way), settings from server.env (an older
# install's, with the secrets: that path keeps working).
exec_start="$(sed -n 's/^ExecStart=//p' "$here/deploy/systemd/dda-server.service")"
read -r -a unit_argv <<<"${exec_start/\/usr\/local\/bin\/dda-server/$server_bin}"
( unset DDA_API_KEYS DDA_REGISTRATION_TOKEN DDA_JWT_SECRET; set -a; . "$env_file"; set +a; umask 0
  exec systemd-socket-activate --inetd -l "$SOCK" -E DDA_API_KEYS -E DDA_REGISTRATION_TOKEN \
      -E DDA_JWT_SECRET -E DDA_LOG_LEVEL "${unit_argv[@]}" ) 2>>"$server_log" &
UNIT_PID=$!
pids+=("$UNIT_PID")
wait_for 10 test -S "$SOCK" && chmod 0666 "$SOCK"
check "unit's ExecStart (${exec_start}) with the socket on stdin: answers through nginx" wait_for 15 ready
check "unit's ExecStart: create and read a task" workflow_ok
stop_pid "$UNIT_PID" 10; rc="$STOP_RC"
check "unit's ExecStart: SIGTERM stops dda-server with exit 0" bash -c "[ '$rc' = 0 ] || { echo 'exit $rc'; exit 1; }"
rm -f "$SOCK"

# The shipped wrapper, with a new install's files: the settings from server.env, the secrets
# from the credential files (root 0600, read before it drops to nobody), nothing else.
env -i PATH="$PATH" DDA_ENV_FILE="$env_file_new" DDA_CREDENTIALS_DIR="$cred_dir" DDA_SPAWN_SOCKET="$SOCK" DDA_SPAWN_USER=nobody \
    DDA_SPAWN_GROUP=nogroup DDA_SOCKET_GROUP=nogroup DDA_SERVER_BIN="$server_bin" \
    "$here/deploy/spawn-fcgi/dda-server-spawn-fcgi" >>"$server_log" 2>&1 &
SF_PID=$!
pids+=("$SF_PID")
# nginx's workers run as nobody:nogroup here: the socket's group (0660) lets them in.
check "spawn-fcgi: socket created (mode 0660, group nogroup)" \
    wait_for 10 bash -c "[ \"\$(stat -c '%a %G' '$SOCK' 2>/dev/null)\" = '660 nogroup' ]"
check "spawn-fcgi: dda-server answers through nginx (secrets from the credential files)" wait_for 15 ready
check "spawn-fcgi: create and read a task" workflow_ok
check "spawn-fcgi: dda-server runs as nobody, in place of the wrapper (same PID)" \
    bash -c "[ \"\$(ps -o user= -p $SF_PID | tr -d ' ')\" = nobody ] && [ \"\$(readlink /proc/$SF_PID/exe)\" = \"\$(readlink -f '$server_bin')\" ]"
check "spawn-fcgi: no secret on the command line" bash -c "! tr '\0' ' ' < /proc/$SF_PID/cmdline | grep -q -- '$DDA_API_KEYS'"
stop_pid "$SF_PID" 10; rc="$STOP_RC"
check "spawn-fcgi: SIGTERM stops dda-server with exit 0" bash -c "[ '$rc' = 0 ] || { echo 'exit $rc'; exit 1; }"
rm -f "$SOCK"
# An older install's server.env (secrets inside) with the wrapper: still works, its values win
# over credential files (here: a wrong API key in the file).
mkdir -p "$T/credentials-other"
printf 'not-the-key-not-the-key-not-the-key\n' > "$T/credentials-other/api_keys"
env -i PATH="$PATH" DDA_ENV_FILE="$env_file" DDA_CREDENTIALS_DIR="$T/credentials-other" DDA_SPAWN_SOCKET="$SOCK" \
    DDA_SPAWN_USER=nobody DDA_SPAWN_GROUP=nogroup DDA_SOCKET_GROUP=nogroup DDA_SERVER_BIN="$server_bin" \
    "$here/deploy/spawn-fcgi/dda-server-spawn-fcgi" >>"$server_log" 2>&1 &
SF_PID=$!
pids+=("$SF_PID")
check "spawn-fcgi with an older install's server.env (secrets inside, winning over a credential file): answers" wait_for 15 ready
check "spawn-fcgi, older server.env: create and read a task with its API key" workflow_ok
stop_pid "$SF_PID" 10
rm -f "$SOCK"

# ---------------------------------------------------------------------------------------
echo "# several servers behind one nginx (the upstream example)"
# The copy made for nginx -t above, on a port of its own; max_fails=0 here, so that a server
# that failed stays in the rotation and every probe below reaches both.
sed -i 's/max_fails=1/max_fails=0/' "$NC/conf.d/dda-upstream.conf"
CLUSTER_PORT=$(dda_free_port "${PORTS_TAKEN[@]}")
# The log has $request, the request line as sent: an error page turns $request_method to GET.
cat > "$NC/sites/cluster-live.conf" <<EOF
log_format dda_upstream '\$request \$status \$upstream_addr';
server {
    listen 127.0.0.1:$CLUSTER_PORT;
    server_name cluster.test;
    access_log $NC/logs/cluster.log dda_upstream;
    include snippets/dda-error-pages.conf;
    include snippets/dda-error-locations.conf;
    location / {
        include snippets/dda-fastcgi.conf;
    }
}
EOF
cluster_main "$NC/live.conf" cluster-live.conf
S1="$RUN/api-1.sock" S2="$RUN/api-2.sock"
rm -f "$S1" "$S2"
# Server 2 is a real dda-server. Server 1 is missing at first (as after systemctl stop
# dda-server@1.socket), then a stand-in that reads a whole request and hangs up unanswered,
# as a server that dies mid-request.
"$server_bin" --socket "$S2" --socket-mode 0666 --threads 2 >>"$server_log" 2>&1 &
C2_PID=$!
pids+=("$C2_PID")
wait_for 10 test -S "$S2"
dda_nginx_start "$NC" "$NC/live.conf" "$NC/logs/error.log" -g 'daemon off;'
CL_NGINX_PID=$DDA_NGINX_PID
pids+=("$CL_NGINX_PID")
CL="http://127.0.0.1:$CLUSTER_PORT"
check "upstream: nginx with the upstream example up, dda-server answers through it" \
    wait_for 15 bash -c "curl -fsS --max-time 5 '$CL/healthz' | grep -q ok"
cluster_log() { tail -n +"$(($1 + 1))" "$NC/logs/cluster.log"; }  # the lines after the first N
# nginx writes a request's log line after its answer: wait for the lines of the last requests.
cluster_logged() { wait_for 5 bash -c "[ \$(wc -l < '$NC/logs/cluster.log') -ge $(($1 + $2)) ]"; }  # MARK N
cluster_req() {  # cluster_req N GET|POST: N × GET /healthz or POST /task; their statuses
    local i
    for ((i = 0; i < $1; i++)); do
        if [ "$2" = POST ]; then
            curl -sS --max-time 15 -o /dev/null -w '%{http_code} ' -X POST -H 'Content-Type: application/json' \
                -H "X-API-Key: $KEY" -d '{"operation_code":200}' "$CL/task"
        else
            curl -sS --max-time 15 -o /dev/null -w '%{http_code} ' "$CL/healthz"
        fi
    done
}
mark=$(wc -l < "$NC/logs/cluster.log")
codes="$(cluster_req 4 POST)"
down_passed_on() {
    cluster_logged "$mark" 4
    [ "$codes" = "201 201 201 201 " ] || { echo "statuses: $codes"; return 1; }
    cluster_log "$mark" | grep -qx "POST /task HTTP/1.1 201 unix:$S1, unix:$S2" || { cluster_log "$mark"; return 1; }
}
check "upstream: server 1 down (no socket) → every POST /task 201, the ones for it passed on to server 2" down_passed_on

fake_count="$T/fake-fcgi.count"
: > "$fake_count"
cat > "$T/fake-fcgi.py" <<'PY'
import os, socket, sys
path, count = sys.argv[1], sys.argv[2]
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
os.chmod(path, 0o666)
listener.listen(16)
while True:
    conn, _ = listener.accept()
    conn.settimeout(5)
    buf, done = b"", False
    try:
        while not done:  # FastCGI records up to the empty FCGI_STDIN one: the whole request
            data = conn.recv(65536)
            if not data:
                break
            buf += data
            while len(buf) >= 8:
                length = buf[4] << 8 | buf[5]
                if len(buf) < 8 + length + buf[6]:
                    break
                done = done or (buf[1] == 5 and length == 0)
                buf = buf[8 + length + buf[6]:]
    except OSError:
        pass
    with open(count, "a") as f:
        f.write("request\n")
    conn.close()  # no answer
PY
python3 "$T/fake-fcgi.py" "$S1" "$fake_count" >>"$server_log" 2>&1 &
FAKE_PID=$!
pids+=("$FAKE_PID")
wait_for 10 test -S "$S1"
mark=$(wc -l < "$NC/logs/cluster.log")
codes="$(cluster_req 4 GET)"
get_passed_on() {
    cluster_logged "$mark" 4
    [ "$codes" = "200 200 200 200 " ] || { echo "statuses: $codes"; return 1; }
    cluster_log "$mark" | grep -qx "GET /healthz HTTP/1.1 200 unix:$S1, unix:$S2" || { cluster_log "$mark"; return 1; }
}
check "upstream: server 1 hangs up after reading a GET → passed on to server 2, 200" get_passed_on
mark=$(wc -l < "$NC/logs/cluster.log")
seen_before=$(wc -l < "$fake_count")
codes="$(cluster_req 4 POST)"
post_not_passed_on() {
    local lost seen
    cluster_logged "$mark" 4
    lost="$(grep -o 502 <<<"$codes" | wc -l)"
    seen=$(($(wc -l < "$fake_count") - seen_before))
    [[ "$codes" =~ ^((201|502)\ ){4}$ ]] && [ "$lost" -ge 1 ] || { echo "statuses: $codes"; return 1; }
    [ "$seen" = "$lost" ] || { echo "server 1 read $seen POSTs, $lost answered 502"; return 1; }
    [ "$(cluster_log "$mark" | grep -cx "POST /task HTTP/1.1 502 unix:$S1")" = "$lost" ] \
        && ! cluster_log "$mark" | grep -q "^POST .*unix:$S1, " || { cluster_log "$mark"; return 1; }
}
check "upstream: server 1 hangs up after reading a POST /task → 502, not sent to server 2 (no non_idempotent: never a task twice)" \
    post_not_passed_on
stop_pid "$FAKE_PID" 5
stop_pid "$C2_PID" 10; rc="$STOP_RC"
check "upstream: server 2 stops on SIGTERM with exit 0" bash -c "[ '$rc' = 0 ] || { echo 'exit $rc'; exit 1; }"
stop_pid "$CL_NGINX_PID" 10
rm -f "$S1" "$S2"

# ---------------------------------------------------------------------------------------
echo "# systemd units"
units="$T/units"
mkdir -p "$units" "$T/bin"
cp "$server_bin" "$runner_bin" "$T/bin/" 2>/dev/null || { ln -sf "$server_bin" "$T/bin/dda-server"; ln -sf "$runner_bin" "$T/bin/dda-runner"; }
for f in "$here"/deploy/systemd/*; do
    sed -e "s|/usr/local/bin/|$T/bin/|g" "$f" > "$units/$(basename "$f")"
done
verify_unit() {  # systemd-analyze verify exits 0 even on unknown keys: any output fails
    local out
    out="$(cd "$units" && systemd-analyze verify "./$1" 2>&1)" || { echo "$out"; return 1; }
    [ -z "$out" ] || { echo "$out"; return 1; }
}
for f in "$units"/*; do
    case "$(basename "$f")" in
        # A template is verified as an instance (dda-server@1.service loads dda-server@1.socket).
        *@.*) name="$(basename "$f")"; check "systemd-analyze verify ${name/@./@1.} (the template $name)" verify_unit "${name/@./@1.}" ;;
        *) check "systemd-analyze verify $(basename "$f")" verify_unit "$(basename "$f")" ;;
    esac
done
server_unit_as_issued() {
    local f="$here/deploy/systemd/dda-server.service" s="$here/deploy/systemd/dda-server.socket" k
    for k in StandardInput=socket StandardOutput=journal DynamicUser=yes StateDirectory=dda \
        EnvironmentFile=/etc/dda/server.env Restart=on-failure CapabilityBoundingSet= \
        RestrictAddressFamilies=AF_UNIX SystemCallFilter=@system-service \
        LoadCredential=api_keys:/etc/dda/credentials/api_keys \
        LoadCredential=registration_token:/etc/dda/credentials/registration_token \
        LoadCredential=jwt_secret:/etc/dda/credentials/jwt_secret; do
        grep -qx "$k" "$f" || { echo "dda-server.service lacks $k"; return 1; }
    done
    for k in ListenStream=/run/dda/api.sock SocketGroup=www-data SocketMode=0660; do
        grep -qx "$k" "$s" || { echo "dda-server.socket lacks $k"; return 1; }
    done
}
check "dda-server.socket/.service carry the settings the issue asks for" server_unit_as_issued
credentials_in_units() {  # LoadCredential= for the secrets, each with the empty-line fallback
    local f id ids want
    for f in dda-server.service dda-server@.service; do
        case "$f" in
            dda-server.service) want="api_keys jwt_secret registration_token" ;;
            *) want="api_keys database_url jwt_secret registration_token" ;;
        esac
        ids="$(sed -n 's/^LoadCredential=\([a-z_]*\):.*/\1/p' "$here/deploy/systemd/$f" | sort | tr '\n' ' ')"
        [ "$ids" = "$want " ] || { echo "$f: LoadCredential ids '$ids', want '$want'"; return 1; }
        for id in $want; do
            grep -qxF "LoadCredential=$id:/etc/dda/credentials/$id" "$here/deploy/systemd/$f" \
                || { echo "$f: $id not from /etc/dda/credentials/$id"; return 1; }
            # Without it a missing file would stop the unit (status 243/CREDENTIALS): older installs.
            grep -qxF "SetCredential=$id:\\n" "$here/deploy/systemd/$f" || { echo "$f: no SetCredential=$id:\\n fallback"; return 1; }
        done
        grep -q '^EnvironmentFile=/etc/dda/server.env$' "$here/deploy/systemd/$f" || { echo "$f: no EnvironmentFile"; return 1; }
    done
    ! grep -q 'database_url' "$here/deploy/systemd/dda-server.service" || { echo "dda-server.service loads database_url (it has DDA_STATE_DIR)"; return 1; }
}
check "server units: secrets by LoadCredential= from /etc/dda/credentials/<id> (api_keys, registration_token, jwt_secret; database_url for the template), each with a SetCredential= fallback, server.env still read" \
    credentials_in_units
server_template_as_issued() {  # dda-server@.socket/.service: N instances on one database
    local f="$here/deploy/systemd/dda-server@.service" s="$here/deploy/systemd/dda-server@.socket" k
    local single="$here/deploy/systemd/dda-server.service" single_socket="$here/deploy/systemd/dda-server.socket"
    for k in 'ExecStart=/usr/local/bin/dda-server --socket stdin' StandardInput=socket Requires=dda-server@%i.socket \
        EnvironmentFile=/etc/dda/server.env EnvironmentFile=-/etc/dda/server-%i.env Restart=on-failure \
        'RestartPreventExitStatus=64 78' DynamicUser=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
        IPAddressDeny=any IPAddressAllow=localhost Also=dda-server@%i.socket; do
        grep -qxF "$k" "$f" || { echo "dda-server@.service lacks $k"; return 1; }
    done
    ! grep -E '^(StateDirectory|PrivateNetwork)=|DDA_STATE_DIR=|^ExecReload=' "$f" || { echo "(in dda-server@.service)"; return 1; }
    # The hardening of dda-server.service, but for the network.
    while IFS= read -r k; do
        grep -qxF "$k" "$f" || { echo "dda-server@.service lacks $k (dda-server.service has it)"; return 1; }
    done < <(sed -n '/^# Hardening/,/^\[Install\]/p' "$single" | grep -E '^[A-Za-z]+=' \
        | grep -vE '^(PrivateNetwork|RestrictAddressFamilies)=')
    grep -qxF 'ListenStream=/run/dda/api-%i.sock' "$s" || { echo "dda-server@.socket: $(grep ListenStream "$s")"; return 1; }
    # Owner, group, mode and the rest as dda-server.socket.
    while IFS= read -r k; do
        grep -qxF "$k" "$s" || { echo "dda-server@.socket lacks $k (dda-server.socket has it)"; return 1; }
    done < <(sed -n '/^\[Socket\]/,/^\[Install\]/p' "$single_socket" | grep -E '^[A-Za-z]+=' | grep -v '^ListenStream=')
}
check "dda-server@.socket/.service: /run/dda/api-%i.sock as dda-server.socket, server.env + server-%i.env, no state directory, restart but on 64/78, the hardening of dda-server.service with TCP to localhost" \
    server_template_as_issued
cluster_env_works() {  # deploy/examples/server-cluster.env filled in, as dda-server@.service reads it
    local env="$T/server-cluster.env" rc db_port k
    grep -vE '^(#|$)' "$here/deploy/examples/server-cluster.env" | grep -vqE '^[A-Z][A-Z0-9_]*=' \
        && { echo "not NAME=value: $(grep -vE '^(#|$)' "$here/deploy/examples/server-cluster.env" | grep -vE '^[A-Z][A-Z0-9_]*=')"; return 1; }
    for k in DDA_DATABASE_URL DDA_API_KEYS DDA_REGISTRATION_TOKEN; do
        grep -qx "$k=" "$here/deploy/examples/server-cluster.env" || { echo "no empty $k="; return 1; }
    done
    ! grep -q '^DDA_STATE_DIR=' "$here/deploy/examples/server-cluster.env" || { echo "DDA_STATE_DIR set"; return 1; }
    db_port=$(dda_free_port "${PORTS_TAKEN[@]}")
    sed -e "s|^DDA_DATABASE_URL=\$|DDA_DATABASE_URL=postgresql://dda:secret@127.0.0.1:$db_port/dda|" \
        -e "s|^DDA_API_KEYS=\$|DDA_API_KEYS=$DDA_API_KEYS|" \
        -e "s|^DDA_REGISTRATION_TOKEN=\$|DDA_REGISTRATION_TOKEN=$DDA_REGISTRATION_TOKEN|" \
        "$here/deploy/examples/server-cluster.env" > "$env"
    # Nothing listens on the port: the database cannot be reached at start.
    ( unset DDA_API_KEYS DDA_REGISTRATION_TOKEN DDA_JWT_SECRET; set -a; . "$env"; set +a
      exec timeout 20 "$server_bin" --socket "$T/db-check.sock" ) >>"$server_log" 2>&1
    rc=$?
    [ "$rc" = 75 ] || { echo "database unreachable: exit $rc, wanted 75"; return 1; }
    ( unset DDA_API_KEYS DDA_REGISTRATION_TOKEN DDA_JWT_SECRET; set -a; . "$env"; set +a
      DDA_STATE_DIR="$T/db-check-state" exec timeout 20 "$server_bin" --socket "$T/db-check.sock" ) >>"$server_log" 2>&1
    rc=$?
    [ "$rc" = 78 ] || { echo "with DDA_STATE_DIR too: exit $rc, wanted 78"; return 1; }
}
check "server-cluster.env filled in: dda-server takes it and exits 75 with the database unreachable (restarted by dda-server@.service), 78 with DDA_STATE_DIR too (not restarted)" \
    cluster_env_works
runner_units_hardened() {
    local loop="$here/deploy/systemd/dda-runner.service" once="$here/deploy/systemd/dda-runner-once.service" f k
    for f in "$loop" "$once"; do
        # read-only, not yes/tmpfs: handlers that live under /home still run.
        [ "$(grep -c '^ProtectHome=' "$f")" = 1 ] && grep -qx 'ProtectHome=read-only' "$f" \
            || { echo "$(basename "$f"): $(grep '^ProtectHome=' "$f" || echo 'no ProtectHome=')"; return 1; }
        # What handlers need: a writable work directory, the network, no more.
        for k in 'StateDirectory=dda-runner dda-runner/work' 'WorkingDirectory=%S/dda-runner/work' \
            'Environment=DDA_RUNNER_STATE_FILE=/var/lib/dda-runner/runner.json' ProtectSystem=strict PrivateTmp=yes \
            'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' NoNewPrivileges=yes CapabilityBoundingSet= \
            SystemCallFilter=@system-service SystemCallErrorNumber=EPERM User=dda; do
            grep -qxF "$k" "$f" || { echo "$(basename "$f") lacks $k"; return 1; }
        done
        # Off on purpose (see the units' comments): handlers with a JIT, handlers that fetch data.
        ! grep -E '^(MemoryDenyWriteExecute|PrivateNetwork|IPAddressDeny)=' "$f" || { echo "(in $(basename "$f"))"; return 1; }
    done
    # The one-pass unit is hardened exactly like the loop one.
    while IFS= read -r k; do
        grep -qxF "$k" "$once" || { echo "dda-runner-once.service lacks $k"; return 1; }
    done < <(sed -n '/^# Hardening/,$p' "$loop" | grep -E '^[A-Za-z]+=' | grep -v '^WantedBy=')
    local report
    report="$(cd "$units" && systemd-analyze security --offline=yes ./dda-runner-once.service 2>&1)"
    grep -q 'ProtectHome=.*read-only access to home' <<<"$report" \
        || { echo "systemd-analyze security: $(grep 'ProtectHome=' <<<"$report")"; return 1; }
}
check "runner units: a writable work directory (StateDirectory, WorkingDirectory), the network, ProtectSystem=strict, ProtectHome=read-only; dda-runner-once.service hardened exactly as dda-runner.service" runner_units_hardened
exposure() {  # exposure UNIT
    local line
    line="$(cd "$units" && systemd-analyze security --offline=yes "./$1" 2>&1 | grep 'Overall exposure')"
    echo "$line"
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) exit !($i + 0 <= 2.0) }' <<<"$line"
}
# --offline is systemd 250 or later (Debian 12 has 252).
if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
    check "systemd-analyze security: dda-server.service exposure ≤ 2.0" exposure dda-server.service
    check "systemd-analyze security: dda-server@1.service exposure ≤ 2.0 (with the network for PostgreSQL)" exposure dda-server@1.service
    check "systemd-analyze security: dda-runner.service exposure ≤ 2.0 (handlers keep the network and a work directory)" exposure dda-runner.service
    check "systemd-analyze security: dda-runner-once.service exposure ≤ 2.0" exposure dda-runner-once.service
else
    echo "skip systemd-analyze security (exposure ≤ 2.0 of the server and runner units): $(systemd-analyze --version | head -n 1) has no --offline (systemd 250 or later)"
fi
cron_file() {
    local f="$here/deploy/cron/dda-runner" line
    line="$(grep -v '^#' "$f" | grep -E '^[*0-9]')"
    # five time fields, a user, the runner by its absolute path (after the staggering sleep)
    awk '{ exit !($6 == "dda") }' <<<"$line" && grep -q '; /usr/local/bin/dda-runner --once ' <<<"$line" \
        || { echo "bad line: $line"; return 1; }
    case "$(basename "$f")" in *.*) echo "cron ignores names with dots"; return 1 ;; esac
}
check "cron example: user field, absolute paths, no dot in the name" cron_file
# The cron line's command as cron runs it: an unescaped % would end the command (the rest
# becoming its stdin), \% is passed to /bin/sh as %. Then under /bin/sh with stand-ins for
# sleep and dda-runner and a machine id of the test's own.
cron_command() {  # the command of the cron line after cron's % processing; fails on a bare %
    local cmd
    cmd="$(grep -v '^#' "$here/deploy/cron/dda-runner" | grep -E '^[*0-9]' | cut -d' ' -f7-)"
    ! sed 's/\\%//g' <<<"$cmd" | grep -q '%' || { echo "unescaped % in: $cmd" >&2; return 1; }
    sed 's/\\%/%/g' <<<"$cmd"
}
cron_pass() {  # cron_pass MACHINE-ID-FILE: runs the line's command; prints "sleep N" and the runner's argv
    local stub="$T/cron-stub" cmd
    mkdir -p "$stub"
    printf '#!/bin/sh\necho "sleep $*" >> "%s/calls"\n' "$stub" > "$stub/sleep"
    printf '#!/bin/sh\necho "dda-runner $*"\n' > "$stub/dda-runner"
    chmod 755 "$stub/sleep" "$stub/dda-runner"
    : > "$stub/calls"; : > "$stub/runner.log"
    cmd="$(cron_command)" || return 1
    cmd="$(sed -e "s|/etc/machine-id|$1|g" -e "s|/usr/local/bin/dda-runner|$stub/dda-runner|" \
        -e "s|/var/log/dda/runner.log|$stub/runner.log|" <<<"$cmd")"
    env -i PATH="$stub:/usr/local/bin:/usr/bin:/bin" /bin/sh -c "$cmd" || { echo "/bin/sh: exit $?" >&2; return 1; }
    cat "$stub/calls" "$stub/runner.log"
}
cron_staggered() {
    local a="$T/machine-id-a" b="$T/machine-id-b" out_a out_b again want_a want_b
    echo 3d1219c7c4c5404aaa1f6d2a48adfda4 > "$a"
    echo 0123456789abcdef0123456789abcdef > "$b"
    want_a="sleep $(( $(cksum < "$a" | cut -d' ' -f1) % 50 ))"
    want_b="sleep $(( $(cksum < "$b" | cut -d' ' -f1) % 50 ))"
    [ "$want_a" != "$want_b" ] || { echo "test ids collide"; return 1; }
    out_a="$(cron_pass "$a")" || return 1
    again="$(cron_pass "$a")" || return 1
    out_b="$(cron_pass "$b")" || return 1
    [ "$(head -n 1 <<<"$out_a")" = "$want_a" ] || { echo "host a: $(head -n 1 <<<"$out_a"), want $want_a"; return 1; }
    [ "$out_a" = "$again" ] || { echo "not stable: $out_a / $again"; return 1; }
    [ "$(head -n 1 <<<"$out_b")" = "$want_b" ] || { echo "host b: $(head -n 1 <<<"$out_b"), want $want_b"; return 1; }
    [ "$(sed -n 2p <<<"$out_a")" = "dda-runner --once --max-tasks 10 --config /etc/dda/runner.toml" ] \
        || { echo "runner: $(sed -n 2p <<<"$out_a") (its output belongs in the log)"; return 1; }
}
check "cron example: % escaped for cron; under /bin/sh each host sleeps its own stable offset (0–49 s, from /etc/machine-id) before the pass, output to the log" cron_staggered
timer_staggered() {
    local f="$here/deploy/systemd/dda-runner-once.timer" delay
    grep -qx 'OnCalendar=minutely' "$f" || { echo "not OnCalendar=minutely"; return 1; }
    grep -qx 'FixedRandomDelay=true' "$f" || { echo "no FixedRandomDelay=true (a stable per-host offset)"; return 1; }
    delay="$(sed -n 's/^RandomizedDelaySec=\([0-9]*\)s\{0,1\}$/\1/p' "$f")"
    [ -n "$delay" ] && [ "$delay" -ge 10 ] && [ "$delay" -lt 60 ] || { echo "RandomizedDelaySec: $(grep RandomizedDelaySec "$f")"; return 1; }
    grep -qx 'AccuracySec=1s' "$f" || { echo "AccuracySec: $(grep AccuracySec "$f" || echo 'default 1min')"; return 1; }
    ! grep -q '^OnUnitActiveSec=' "$f" || { echo "OnUnitActiveSec= left"; return 1; }
    systemd-analyze calendar minutely >/dev/null
}
check "timer: every minute on the calendar, RandomizedDelaySec < 60 s with FixedRandomDelay=true (a stable per-host second), AccuracySec=1s" timer_staggered
no_task_line() {  # the cron runner's quiet pass prints nothing at info: no doc promises a "no task" line
    ! grep -rn '"no task"' "$here/deploy" "$here/nginx" || return 1
    ! sed -n '/^## Deploying/,/^## [^D]/p' "$here/README.md" | grep -n '"no task"'
}
check "deploy docs promise no \"no task\" log line" no_task_line
logrotate_ok() {  # the shipped file, with the log in a test directory and nobody for dda
    local d="$T/logrotate" conf
    mkdir -p "$d/log"
    chown nobody:nogroup "$d/log"
    chmod 750 "$d/log"
    conf="$d/dda-runner.conf"
    sed -e "s|/var/log/dda/runner.log|$d/log/runner.log|" -e 's/^\([[:space:]]*su\) dda dda$/\1 nobody nogroup/' \
        "$here/deploy/logrotate/dda-runner" > "$conf"
    grep -q 'su nobody nogroup' "$conf" || { echo "no 'su dda dda' line"; return 1; }
    for k in copytruncate compress missingok notifempty; do
        grep -qE "^[[:space:]]+$k\$" "$conf" || { echo "lacks $k"; return 1; }
    done
    logrotate -s "$d/state" "$conf" 2>&1 || { echo "logrotate (no log yet, missingok): exit $?"; return 1; }
    printf 'line 1\n' > "$d/log/runner.log"; chown nobody:nogroup "$d/log/runner.log"
    # A process appending with >> as cron's shell does, kept open across the rotation.
    exec 7>>"$d/log/runner.log"
    logrotate -f -s "$d/state" "$conf" 2>&1 || { exec 7>&-; echo "first rotation: exit $?"; return 1; }
    printf 'line 2\n' >&7
    logrotate -f -s "$d/state" "$conf" 2>&1 || { exec 7>&-; echo "second rotation: exit $?"; return 1; }
    exec 7>&-
    [ -f "$d/log/runner.log.1" ] && grep -qx 'line 2' "$d/log/runner.log.1" || { ls -l "$d/log"; echo ".1 lacks line 2"; return 1; }
    [ -f "$d/log/runner.log.2.gz" ] && zcat "$d/log/runner.log.2.gz" | grep -qx 'line 1' || { ls -l "$d/log"; echo "no compressed .2.gz with line 1"; return 1; }
    [ ! -s "$d/log/runner.log" ] || { echo "runner.log not truncated"; return 1; }
    [ "$(stat -c %U "$d/log/runner.log.1")" = nobody ] || { echo "rotated as $(stat -c %U "$d/log/runner.log.1")"; return 1; }
}
check "logrotate file: rotates runner.log in place (copytruncate keeps cron's >> working), compresses, as the log's owner (su)" logrotate_ok

# ---------------------------------------------------------------------------------------
echo "# install.sh into a temporary root"
R="$T/root"
mkdir -p "$R"
snapshot() { (cd "$R" && find . -mindepth 1 -printf '%y %m %U:%G %s %T@ %p\n' | sort -k7; find . -type f -exec sha256sum {} + | sort -k2); }
DDA_SERVER_BIN="$server_bin" DDA_RUNNER_BIN="$runner_bin" DESTDIR="$R" "$here/deploy/install.sh" > "$T/install1.out" 2>&1
check "install.sh (first run) succeeds" bash -c "exit $?"
expect_files() {
    local f missing=""
    for f in usr/local/bin/dda-server:755 usr/local/bin/dda-runner:755 \
        etc/systemd/system/dda-server.socket:644 etc/systemd/system/dda-server.service:644 \
        etc/systemd/system/dda-runner.service:644 etc/systemd/system/dda-runner-once.service:644 \
        etc/systemd/system/dda-runner-once.timer:644 \
        etc/systemd/system/dda-server@.socket:644 etc/systemd/system/dda-server@.service:644 \
        etc/nginx/sites-available/dda.conf:644 etc/nginx/conf.d/dda-limits.conf:644 etc/nginx/conf.d/dda-cors.conf:644 \
        etc/nginx/conf.d/dda-client-key.conf:644 etc/nginx/conf.d/dda-http.conf:644 etc/nginx/conf.d/dda-metrics.conf:644 \
        etc/nginx/snippets/dda-tls.conf:644 etc/nginx/snippets/dda-security-headers.conf:644 \
        etc/nginx/snippets/dda-fastcgi.conf:644 etc/nginx/snippets/dda-wordpress-prefix.conf:644 \
        etc/nginx/snippets/dda-error-pages.conf:644 etc/nginx/snippets/dda-error-locations.conf:644 \
        etc/nginx/snippets/dda-cors-headers.conf:644 etc/nginx/snippets/dda-cors-preflight.conf:644 \
        etc/nginx/dda-ffdhe2048.pem:644 \
        etc/dda/server.env:640 etc/dda/runner.toml:640 etc/logrotate.d/dda-runner:644 \
        etc/dda/credentials/api_keys:600 etc/dda/credentials/registration_token:600 etc/dda/credentials/jwt_secret:600 \
        usr/local/share/dda/openapi.yaml:644 usr/local/share/doc/dda/README.md:644 \
        usr/local/share/dda/examples/server.env:644 usr/local/share/dda/examples/runner.toml:644 \
        usr/local/share/dda/examples/cron.d-dda-runner:644 usr/local/share/dda/examples/dda-server-spawn-fcgi:755 \
        usr/local/share/dda/examples/server-cluster.env:644 usr/local/share/dda/examples/dda-upstream.conf:644 \
        usr/local/share/man/man1/dda-server.1:644 usr/local/share/man/man1/dda-runner.1:644 \
        usr/local/share/dda/install-manifest:644; do
        [ -f "$R/${f%%:*}" ] && [ "$(stat -c %a "$R/${f%%:*}")" = "${f##*:}" ] \
            || missing+=" ${f%%:*}($(stat -c %a "$R/${f%%:*}" 2>/dev/null || echo absent))"
    done
    [ -z "$missing" ] || { echo "wrong or missing:$missing"; return 1; }
    cmp -s "$R/usr/local/bin/dda-server" "$server_bin" || { echo "dda-server differs"; return 1; }
    cmp -s "$R/usr/local/share/dda/examples/dda-upstream.conf" "$here/nginx/conf.d/dda-upstream.conf.example" \
        || { echo "dda-upstream.conf differs from the example"; return 1; }
    [ ! -e "$R/etc/nginx/conf.d/dda-upstream.conf" ] && [ ! -e "$R/etc/nginx/conf.d/dda-upstream.conf.example" ] \
        || { echo "the upstream example is in conf.d"; return 1; }
}
check "install.sh: every file in place with its mode" expect_files
check "install.sh: nothing enabled (no cron.d file, no sites-enabled link, no wants/ links)" \
    bash -c "[ ! -e '$R/etc/cron.d' ] && [ ! -e '$R/etc/nginx/sites-enabled' ] && ! find '$R/etc/systemd' -name '*.wants' | grep -q ."
secrets_ok() {
    local env="$R/etc/dda/server.env" c="$R/etc/dda/credentials" name v values=""
    [ "$(stat -c '%a %U' "$env")" = "640 root" ] || { echo "server.env: $(stat -c '%a %U' "$env")"; return 1; }
    [ "$(stat -c '%a %U %G' "$c")" = "700 root root" ] || { echo "credentials/: $(stat -c '%a %U %G' "$c")"; return 1; }
    for name in api_keys registration_token jwt_secret; do
        [ "$(stat -c '%a %U' "$c/$name")" = "600 root" ] || { echo "$name: $(stat -c '%a %U' "$c/$name")"; return 1; }
        [ "$(wc -l < "$c/$name")" = 1 ] || { echo "$name: not one line"; return 1; }
        v="$(cat "$c/$name")"
        [[ "$v" =~ ^[0-9a-f]{64}$ ]] || { echo "$name='$v'"; return 1; }
        values+="$v"$'\n'
    done
    [ "$(sort -u <<<"$values" | grep -c .)" = 3 ] || { echo "secrets not distinct"; return 1; }
    # No secret in the environment file: every DDA_ secret line is commented out.
    ! grep -E '^(DDA_API_KEYS|DDA_REGISTRATION_TOKEN|DDA_JWT_SECRET|DDA_DATABASE_URL)=' "$env" || { echo "(a secret in server.env)"; return 1; }
    for v in $values; do ! grep -q "$v" "$env" || { echo "a secret in server.env"; return 1; }; done
    grep -q "$(cat "$c/api_keys")" "$T/install1.out" || { echo "API key not printed"; return 1; }
    grep -q "$(cat "$c/registration_token")" "$T/install1.out" || { echo "token not printed"; return 1; }
    ! grep -q "$(cat "$c/jwt_secret")" "$T/install1.out" || { echo "JWT secret printed"; return 1; }
    grep -q "^registration_token = \"$(cat "$c/registration_token")\"$" "$R/etc/dda/runner.toml" \
        || { echo "runner.toml lacks the token"; return 1; }
}
check "install.sh: secrets as credentials (credentials/ 0700 root, api_keys, registration_token, jwt_secret 0600, distinct 64 hex), none in server.env (0640); key and token printed once, JWT secret not; runner.toml has the token" secrets_ok
check "install.sh: the installed runner.toml has no active [[handler]] (built-in operations only)" \
    bash -c "! grep -n '^[[:space:]]*\[\[handler' '$R/etc/dda/runner.toml'"
check "install.sh: /etc/logrotate.d/dda-runner is the shipped file" cmp "$R/etc/logrotate.d/dda-runner" "$here/deploy/logrotate/dda-runner"
man_pages_ok() {
    local b
    for b in dda-server dda-runner; do
        [ -z "$(dda_man_warnings "$R/usr/local/share/man/man1/$b.1")" ] \
            || { echo "$b.1: groff warnings"; return 1; }
    done
    dda_man_text "$R/usr/local/share/man/man1/dda-server.1" | grep -q -- "--database-url " \
        && dda_man_text "$R/usr/local/share/man/man1/dda-runner.1" | grep -q -- "--once "
}
check "install.sh: man pages dda-server(1) and dda-runner(1) from the binaries' help, without groff warnings" man_pages_ok
# dda-server as dda-server.service starts it: server.env as its EnvironmentFile, the secrets as
# credentials in $CREDENTIALS_DIRECTORY (systemd's copy of /etc/dda/credentials/; a missing
# file becomes the SetCredential= fallback, an empty line). Reading them is dda-server's part.
server_with_credentials() {  # server_with_credentials CREDENTIALS-DIR: dda-server on the site's socket
    local pid rc key state="$T/cred-state-$RANDOM"
    key="$(head -n 1 "$1/api_keys")"
    rm -f "$SOCK"
    ( unset DDA_API_KEYS DDA_REGISTRATION_TOKEN DDA_JWT_SECRET; set -a; . "$R/etc/dda/server.env"; set +a
      CREDENTIALS_DIRECTORY="$1" DDA_STATE_DIR="$state" exec "$server_bin" --socket "$SOCK" --socket-mode 0666 ) >>"$server_log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_for 15 ready; then stop_pid "$pid" 5; echo "did not start (exit $STOP_RC)"; return 1; fi
    # Through the site: the API key of the credential file is the one it takes.
    [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$BASE/metrics")" = 200 ] \
        || { stop_pid "$pid" 5; echo "GET /metrics with the key of $1/api_keys: not 200"; return 1; }
    [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY-not-this-one" "$BASE/metrics")" = 401 ] \
        || { stop_pid "$pid" 5; echo "GET /metrics with another key: not 401"; return 1; }
    stop_pid "$pid" 10; rc="$STOP_RC"
    rm -f "$SOCK"
    [ "$rc" = 0 ] || { echo "exit $rc"; return 1; }
}
if grep -q CREDENTIALS_DIRECTORY "$server_bin"; then
    check "install.sh: dda-server starts with the generated server.env and the secrets as credentials (\$CREDENTIALS_DIRECTORY)" \
        server_with_credentials "$R/etc/dda/credentials"
    # An older install: no credential files, so systemd's fallback (an empty line) stands in for
    # jwt_secret; dda-server must take that as "not set" (it generates one into its state
    # directory) rather than as an empty secret.
    mkdir -p "$T/creds-fallback"
    cp "$R/etc/dda/credentials/api_keys" "$R/etc/dda/credentials/registration_token" "$T/creds-fallback/"
    printf '\n' > "$T/creds-fallback/jwt_secret"
    check "dda-server takes a credential that is only the SetCredential= fallback (an empty line) as not set" \
        server_with_credentials "$T/creds-fallback"
else
    echo "skip install.sh: dda-server with the secrets as credentials — $server_bin does not read \$CREDENTIALS_DIRECTORY yet"
fi
installed_site_ok() {  # the site as install.sh wrote it for this host's nginx passes nginx -t
    render "$R/etc/nginx/sites-available/dda.conf" "$NG/sites/dda-installed.conf"
    write_main "$NG/installed.conf" dda-installed.conf
    nginx_t "$NG/installed.conf"
}
check "install.sh: the site it wrote for this host's $(nginx -v 2>&1 | sed 's/^nginx version: //') passes nginx -t" installed_site_ok
check "install.sh without --php-pool-user: no PHP-FPM pool example, no user created" \
    bash -c "[ ! -e '$R/usr/local/share/dda/examples/php-fpm-wordpress.conf' ] && [ ! -e '$R/etc/passwd' ] && ! grep -q php '$R/usr/local/share/dda/install-manifest'"
snapshot > "$T/snap1"
DDA_SERVER_BIN="$server_bin" DDA_RUNNER_BIN="$runner_bin" DESTDIR="$R" "$here/deploy/install.sh" > "$T/install2.out" 2>&1
check "install.sh (second run) succeeds" bash -c "exit $?"
snapshot > "$T/snap2"
check "install.sh: a second run changes nothing (contents, modes, owners, mtimes)" \
    bash -c "diff '$T/snap1' '$T/snap2' | head -n 5; cmp -s '$T/snap1' '$T/snap2'"
check "install.sh: the second run prints no secret" \
    bash -c "k=\$(cat '$R/etc/dda/credentials/api_keys') && [ -n \"\$k\" ] && ! grep -q \"\$k\" '$T/install2.out'"
# An admin edits a config; an upgrade must keep it and offer the new version beside it.
echo "# edited by the admin" >> "$R/etc/nginx/conf.d/dda-limits.conf"
edited_sum="$(sha256sum "$R/etc/nginx/conf.d/dda-limits.conf" | cut -d' ' -f1)"
env_sum="$(sha256sum "$R/etc/dda/server.env" | cut -d' ' -f1)"
# The "new version": a staged copy of the checkout whose dda-limits.conf and dda-tls.conf changed.
S="$T/src"
mkdir -p "$S"
cp -r "$here/deploy" "$here/nginx" "$here/openapi.yaml" "$here/scripts" "$S/"
echo "# new version" >> "$S/nginx/conf.d/dda-limits.conf"
echo "# new version" >> "$S/nginx/snippets/dda-tls.conf"
DDA_SERVER_BIN="$server_bin" DDA_RUNNER_BIN="$runner_bin" DESTDIR="$R" "$S/deploy/install.sh" > "$T/install3.out" 2>&1
upgrade_ok() {
    [ "$(sha256sum "$R/etc/nginx/conf.d/dda-limits.conf" | cut -d' ' -f1)" = "$edited_sum" ] || { echo "edited file overwritten"; return 1; }
    cmp -s "$R/etc/nginx/conf.d/dda-limits.conf.dda-new" "$S/nginx/conf.d/dda-limits.conf" || { echo "no .dda-new"; return 1; }
    cmp -s "$R/etc/nginx/snippets/dda-tls.conf" "$S/nginx/snippets/dda-tls.conf" || { echo "unedited file not upgraded"; return 1; }
    [ ! -e "$R/etc/nginx/snippets/dda-tls.conf.dda-new" ] || { echo "needless .dda-new"; return 1; }
    [ "$(sha256sum "$R/etc/dda/server.env" | cut -d' ' -f1)" = "$env_sum" ] || { echo "server.env changed"; return 1; }
}
check "install.sh upgrade: an edited config is kept (new one as .dda-new), an unedited one is replaced, server.env untouched" upgrade_ok
DESTDIR="$R" "$here/deploy/install.sh" --uninstall > "$T/uninstall.out" 2>&1
check "install.sh --uninstall succeeds" bash -c "exit $?"
uninstalled() {
    local left
    left="$(cd "$R" && find . -type f | sort | tr '\n' ' ')"
    [ "$left" = "./etc/dda/credentials/api_keys ./etc/dda/credentials/jwt_secret ./etc/dda/credentials/registration_token ./etc/dda/server.env ./etc/nginx/conf.d/dda-limits.conf ./usr/local/share/dda/install-manifest " ] \
        || { echo "left: $left"; return 1; }
    [ "$(awk '{print $4}' "$R/usr/local/share/dda/install-manifest" | tr '\n' ' ')" = "/etc/dda/credentials/api_keys /etc/dda/credentials/jwt_secret /etc/dda/credentials/registration_token /etc/dda/server.env /etc/nginx/conf.d/dda-limits.conf " ] \
        || { echo "manifest: $(cat "$R/usr/local/share/dda/install-manifest")"; return 1; }
}
check "install.sh --uninstall removes what it installed; keeps server.env, the credentials and the edited config (listed for --purge)" uninstalled
DESTDIR="$R" "$here/deploy/install.sh" --uninstall --purge > "$T/purge.out" 2>&1
check "install.sh --uninstall --purge afterwards removes the kept files too" \
    bash -c "[ -z \"\$(find '$R' -type f)\" ] || { find '$R' -type f; exit 1; }"
# A fresh install then --uninstall --purge leaves no file at all.
R2="$T/root2"
mkdir -p "$R2"
DDA_SERVER_BIN="$server_bin" DDA_RUNNER_BIN="$runner_bin" "$here/deploy/install.sh" --root "$R2" >/dev/null 2>&1 \
    && "$here/deploy/install.sh" --root "$R2" --uninstall --purge > "$T/purge2.out" 2>&1
check "install.sh --uninstall --purge removes every file it installed" \
    bash -c "[ -z \"\$(find '$R2' -type f)\" ] || { find '$R2' -type f; exit 1; }"
check "install.sh --uninstall --purge removes /etc/dda/credentials/ too" bash -c "[ ! -e '$R2/etc/dda' ]"

# An older install: /etc/dda/server.env with the secrets in it, no credentials/. An upgrade keeps
# that file as it is, creates no credentials (the unit's fallback lets the env file's secrets
# work) and says how to move them.
R3="$T/root-old"
mkdir -p "$R3/etc/dda"
sed -e "s|^#DDA_API_KEYS=\$|DDA_API_KEYS=$DDA_API_KEYS|" -e "s|^#DDA_REGISTRATION_TOKEN=\$|DDA_REGISTRATION_TOKEN=$DDA_REGISTRATION_TOKEN|" \
    -e "s|^#DDA_JWT_SECRET=\$|DDA_JWT_SECRET=$DDA_JWT_SECRET|" "$here/deploy/examples/server.env" > "$R3/etc/dda/server.env"
chmod 640 "$R3/etc/dda/server.env"
old_env_sum="$(sha256sum "$R3/etc/dda/server.env" | cut -d' ' -f1)"
DDA_SERVER_BIN="$server_bin" DDA_RUNNER_BIN="$runner_bin" "$here/deploy/install.sh" --root "$R3" > "$T/install-old.out" 2>&1
old_rc=$?
older_install_kept() {
    [ "$old_rc" = 0 ] || { echo "exit $old_rc: $(tail -n 3 "$T/install-old.out")"; return 1; }
    [ "$(sha256sum "$R3/etc/dda/server.env" | cut -d' ' -f1)" = "$old_env_sum" ] || { echo "server.env changed"; return 1; }
    [ ! -e "$R3/etc/dda/credentials" ] || { echo "credentials/ created: $(ls "$R3/etc/dda/credentials")"; return 1; }
    grep -q 'holds the secrets' "$T/install-old.out" || { echo "no hint to move the secrets"; return 1; }
    ! grep -q "$DDA_API_KEYS" "$T/install-old.out" || { echo "a secret printed"; return 1; }
}
check "install.sh over an older install (secrets in server.env): server.env kept as it is, no credentials created, a hint printed" older_install_kept

# ---------------------------------------------------------------------------------------
echo "# install.sh: HTTP/2 form by nginx version, --php-pool-user"
# Stand-ins: install.sh only copies the binaries.
mkdir -p "$T/fakebin" "$T/fake-nginx"
printf '#!/bin/sh\nexit 0\n' > "$T/fakebin/dda-server"
cp "$T/fakebin/dda-server" "$T/fakebin/dda-runner"
chmod 755 "$T/fakebin"/*
fake_install() {  # fake_install ROOT [ARG...]: install.sh with the stand-in binaries
    local dest="$1"
    shift
    DDA_SERVER_BIN="$T/fakebin/dda-server" DDA_RUNNER_BIN="$T/fakebin/dda-runner" "$here/deploy/install.sh" --root "$dest" "$@"
}
site_src="$here/nginx/sites-available/dda.conf"
old_form() { cmp "$1" "$site_src"; }
new_form() {  # listen … ssl; (no http2 parameter) and one "http2 on;" — otherwise the same file
    local f="$1"
    ! grep -q 'ssl http2' "$f" || { grep 'ssl http2' "$f"; return 1; }
    [ "$(grep -c '^    http2 on;$' "$f")" = 1 ] || { echo "http2 on; lines: $(grep -c 'http2 on' "$f")"; return 1; }
    grep -qx '    listen 443 ssl;' "$f" && grep -qx '    listen \[::\]:443 ssl;' "$f" || { grep listen "$f"; return 1; }
    grep -vx '    http2 on;' "$f" | sed 's/ ssl;$/ ssl http2;/' | cmp - "$site_src"
}
# A fake nginx on PATH: install.sh reads the version from `nginx -v` as it does on a host.
for v in "1.22.1" "1.25.0" "1.25.1" "1.26.0 (Ubuntu)"; do
    printf '#!/bin/sh\necho "nginx version: nginx/%s" >&2\n' "$v" > "$T/fake-nginx/nginx"
    chmod 755 "$T/fake-nginx/nginx"
    ver="${v%% *}"
    dest="$T/h2-$ver"
    PATH="$T/fake-nginx:$PATH" fake_install "$dest" > "$T/h2-$ver.out" 2>&1
    site="$dest/etc/nginx/sites-available/dda.conf"
    case "$ver" in
        1.22.1|1.25.0) check "install.sh, nginx -v says nginx/$v: listen 443 ssl http2; as shipped" old_form "$site" ;;
        *) check "install.sh, nginx -v says nginx/$v: listen 443 ssl; + http2 on; (the listen parameter is deprecated)" new_form "$site" ;;
    esac
done
DDA_NGINX_VERSION=1.27.3 fake_install "$T/h2-env" > "$T/h2-env.out" 2>&1
check "install.sh, DDA_NGINX_VERSION=1.27.3 (this host's nginx notwithstanding): the http2 on; form" \
    new_form "$T/h2-env/etc/nginx/sites-available/dda.conf"

# --php-pool-user, into roots that carry their own /etc/passwd and /etc/group (useradd --prefix).
seed_etc() {
    mkdir -p "$1/etc"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin' \
        'wp-old:x:990:990::/nonexistent:/usr/sbin/nologin' > "$1/etc/passwd"
    printf '%s\n' 'root:x:0:' 'www-data:x:33:wp-old' 'wp-old:x:990:' > "$1/etc/group"
    printf '%s\n' 'root:*:19000:0:99999:7:::' 'www-data:*:19000:0:99999:7:::' 'wp-old:*:19000:0:99999:7:::' > "$1/etc/shadow"
    printf '%s\n' 'root:*::' 'www-data:*::wp-old' 'wp-old:!::' > "$1/etc/gshadow"
    chmod 640 "$1/etc/shadow" "$1/etc/gshadow"
}
P="$T/root-php"
seed_etc "$P"
fake_install "$P" > "$T/php0.out" 2>&1
check "install.sh without --php-pool-user (root with /etc/passwd): no pool example, /etc/passwd and /etc/group untouched" \
    bash -c "[ ! -e '$P/usr/local/share/dda/examples/php-fpm-wordpress.conf' ] && ! grep -q wordpress '$P/etc/passwd' '$P/etc/group'"
fake_install "$P" --php-pool-user wordpress > "$T/php1.out" 2>&1
check "install.sh --php-pool-user wordpress succeeds" bash -c "exit $?"
pool_file_ok() {
    local f="$P/usr/local/share/dda/examples/php-fpm-wordpress.conf" k
    [ "$(stat -c %a "$f" 2>/dev/null)" = 644 ] || { echo "no $f"; return 1; }
    for k in '[wordpress]' 'user = wordpress' 'group = wordpress' 'listen = /run/php/php-fpm-wordpress.sock' \
        'listen.owner = www-data' 'listen.group = www-data' 'listen.mode = 0660'; do
        grep -qxF "$k" "$f" || { echo "pool file lacks: $k"; return 1; }
    done
    [ "$(grep -c '^user = \|^group = ' "$f")" = 2 ] || { echo "user/group lines: $(grep '^user\|^group' "$f")"; return 1; }
    grep -q ' /usr/local/share/dda/examples/php-fpm-wordpress.conf$' "$P/usr/local/share/dda/install-manifest" \
        || { echo "not in the manifest"; return 1; }
}
check "install.sh --php-pool-user: the pool example runs PHP as wordpress:wordpress, socket for nginx only (www-data, 0660)" pool_file_ok
pool_user_ok() {
    local line gid
    line="$(grep '^wordpress:' "$P/etc/passwd")" || { echo "no user wordpress"; return 1; }
    gid="$(cut -d: -f4 <<<"$line")"
    [ "$(awk -F: -v g="$gid" '$3 == g { print $1 }' "$P/etc/group")" = wordpress ] || { echo "primary group $gid: $(cat "$P/etc/group")"; return 1; }
    [ "$gid" != 33 ] || { echo "primary group www-data"; return 1; }
    ! grep -q '^www-data:[^:]*:[^:]*:.*wordpress' "$P/etc/group" || { echo "in www-data: $(grep ^www-data: "$P/etc/group")"; return 1; }
    [ "$(grep -c 'wordpress' "$P/etc/group")" = 1 ] || { echo "member of other groups: $(grep wordpress "$P/etc/group")"; return 1; }
    [ "$(cut -d: -f7 <<<"$line")" = /usr/sbin/nologin ] || { echo "shell: $line"; return 1; }
}
check "install.sh --php-pool-user: user wordpress created with a group of its own, not in www-data" pool_user_ok
snapshot_php() { (cd "$P" && find . -type f -exec sha256sum {} + | sort -k2); }
snapshot_php > "$T/php-snap1"
fake_install "$P" --php-pool-user wordpress > "$T/php2.out" 2>&1
snapshot_php > "$T/php-snap2"
check "install.sh --php-pool-user: a second run changes nothing" cmp "$T/php-snap1" "$T/php-snap2"
fake_install "$P" --uninstall --purge > "$T/php-purge.out" 2>&1
check "install.sh --uninstall --purge removes the pool example too" \
    bash -c "[ ! -e '$P/usr/local/share/dda/examples/php-fpm-wordpress.conf' ]"
P2="$T/root-php2"
seed_etc "$P2"
fake_install "$P2" --php-pool-user wp-old > "$T/php3.out" 2>&1
rc=$?
check "install.sh --php-pool-user wp-old (a member of www-data) is refused with exit 78, installs nothing" \
    bash -c "[ '$rc' = 78 ] && grep -q 'www-data' '$T/php3.out' && [ -z \"\$(cd '$P2' && find . -type f ! -path './etc/*')\" ] || { echo 'exit $rc'; cat '$T/php3.out'; exit 1; }"
fake_install "$P2" --php-pool-user www-data > "$T/php4.out" 2>&1
rc=$?
check "install.sh --php-pool-user www-data is refused (exit 78)" bash -c "[ '$rc' = 78 ]"

finish
