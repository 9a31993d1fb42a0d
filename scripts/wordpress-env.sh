# shellcheck shell=bash
# Shared by scripts/wordpress.sh (`make wordpress`) and scripts/test-wordpress.sh (`make test`):
# a private WordPress on loopback — MariaDB (own datadir), php-fpm, nginx, Debian's wordpress
# package — with the plugin in wordpress-plugin/ active and connected to a local DDA stack
# (scripts/stack.sh: nginx + dda-server + runners). Everything lives in one mktemp directory
# and in /etc/wordpress/config-<name>.php (selected per site by nginx's WORDPRESS_CONFIG, so
# runs never share a config); wp_env_cleanup stops every process by PID and removes both.
#
# Source it, call wp_env_init, then the wp_* steps in order; install `trap wp_env_cleanup EXIT`.

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WP_PACKAGES=(mariadb-server php-fpm php-mysql php-curl php-cli wordpress phpunit chromium chromium-driver python3-selenium nginx curl)
WP_ROOT=/usr/share/wordpress
WP_PYTHON=/usr/bin/python3   # Debian's selenium imports only under this interpreter
PLUGIN_SLUG=distributed-data-analysis

wp_log() { printf '%s\n' "$*" >&2; }
wp_die() { wp_log "error: $*"; exit 1; }

# Installs the packages that are missing (only those), with apt-get.
wp_install_packages() {
    dda_install_missing "${WP_PACKAGES[@]}" || wp_die "cannot install ${WP_PACKAGES[*]} (run as root)"
}

wp_free_port() { DDA_PYTHON="$WP_PYTHON" dda_free_port; }

wp_port_is_free() {
    # SO_REUSEADDR as nginx binds: connections in TIME_WAIT do not make a port busy.
    "$WP_PYTHON" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
s.close()' "$1"
}

wp_secret() { dda_secret 24; }

# wp_env_init NAME_PREFIX: the run directory, the config name, the PID list.
wp_env_init() {
    [ "$(id -u)" -eq 0 ] || wp_die "run as root: php-fpm's pool runs as www-data and the site config goes to /etc/wordpress"
    REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    RUN="$(mktemp -d "/tmp/$1.XXXXXX")"
    chmod 755 "$RUN"
    WP_CONFIG_NAME="$1-$(basename "$RUN" | tr -cd 'a-zA-Z0-9')"
    WP_CONFIG_FILE="/etc/wordpress/config-$WP_CONFIG_NAME.php"
    WP_PIDS=()        # started processes, stopped in reverse order
    WP_PID_SIGNALS=() # the signal that stops each one gracefully
    WP_DB_NAME=wordpress
    WP_DB_USER=wordpress
    WP_DB_PASSWORD="$(wp_secret)"
    WP_ADMIN_USER="${WP_ADMIN_USER:-admin}"
    WP_ADMIN_PASSWORD="${WP_ADMIN_PASSWORD:-$(wp_secret)}"
}

wp_track() { WP_PIDS+=("$1"); WP_PID_SIGNALS+=("$2"); }

# Stops every process started here, newest first, by PID; removes the site config and RUN.
wp_env_cleanup() {
    local i pid
    for ((i = ${#WP_PIDS[@]} - 1; i >= 0; i--)); do
        pid="${WP_PIDS[$i]}"
        kill -"${WP_PID_SIGNALS[$i]}" "$pid" 2>/dev/null || true
        # Bounded: a process that ignores its signal gets KILL after ~10 s.
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    WP_PIDS=()
    WP_PID_SIGNALS=()
    [ -n "${WP_CONFIG_FILE:-}" ] && rm -f "$WP_CONFIG_FILE"
    [ -n "${RUN:-}" ] && [ -d "$RUN" ] && rm -rf "$RUN"
}

# wp_wait_for DESCRIPTION TRIES COMMAND...: polls COMMAND every 0.1 s, fails after TRIES.
wp_wait_for() {
    local what="$1" tries="$2"
    shift 2
    for _ in $(seq 1 "$tries"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    wp_die "$what did not come up (see logs in $RUN)"
}

wp_alive() {
    kill -0 "$1" 2>/dev/null || wp_die "$2 exited during start; its log: $(tail -n 20 "$3" 2>/dev/null)"
}

wp_start_mariadb() {
    mkdir -p "$RUN/db"
    mariadb-install-db --no-defaults --datadir="$RUN/db" --user=root \
        --auth-root-authentication-method=socket --skip-test-db >"$RUN/mariadb-install.log" 2>&1 \
        || wp_die "mariadb-install-db failed: $(tail -n 20 "$RUN/mariadb-install.log")"
    mariadbd --no-defaults --datadir="$RUN/db" --socket="$RUN/mysqld.sock" --pid-file="$RUN/mysqld.pid" \
        --skip-networking --user=root --log-error="$RUN/mysqld.log" 2>"$RUN/mysqld.stderr" &
    wp_track $! TERM
    local pid=$!
    for _ in $(seq 1 300); do
        mariadb-admin --no-defaults --socket="$RUN/mysqld.sock" ping >/dev/null 2>&1 && break
        wp_alive "$pid" mariadbd "$RUN/mysqld.log"
        sleep 0.1
    done
    mariadb-admin --no-defaults --socket="$RUN/mysqld.sock" ping >/dev/null 2>&1 || wp_die "MariaDB did not start"
    mariadb --no-defaults --socket="$RUN/mysqld.sock" -e "
        CREATE DATABASE $WP_DB_NAME DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
        CREATE USER '$WP_DB_USER'@'localhost' IDENTIFIED BY '$WP_DB_PASSWORD';
        GRANT ALL PRIVILEGES ON $WP_DB_NAME.* TO '$WP_DB_USER'@'localhost';"
}

wp_start_php_fpm() {
    local fpm
    fpm="$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)"
    [ -x "$fpm" ] || wp_die "php-fpm not found"
    cat >"$RUN/php-fpm.conf" <<CONF
[global]
pid = $RUN/php-fpm.pid
error_log = $RUN/php-fpm.log
daemonize = no

[www]
user = www-data
group = www-data
listen = $RUN/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 4
catch_workers_output = yes
php_admin_flag[log_errors] = on
php_admin_value[error_log] = $RUN/php-error.log
php_admin_flag[display_errors] = off
CONF
    # The workers (www-data) cannot create files in RUN: without its log file PHP would write
    # to FastCGI's stderr, which nginx mixes into the response headers.
    : >"$RUN/php-error.log"
    chown www-data:www-data "$RUN/php-error.log"
    "$fpm" -F -y "$RUN/php-fpm.conf" &
    wp_track $! QUIT
    local pid=$!
    for _ in $(seq 1 100); do
        [ -S "$RUN/php-fpm.sock" ] && break
        wp_alive "$pid" php-fpm "$RUN/php-fpm.log"
        sleep 0.1
    done
    [ -S "$RUN/php-fpm.sock" ] || wp_die "php-fpm did not start"
}

# The plugin folder the site loads. WP_PLUGIN_DIR points into RUN, so nothing is written to
# /var/lib/wordpress. A symlink keeps edits live, but only when www-data can read the
# checkout (CI's may sit under a 0700 directory); otherwise a copy.
wp_install_plugin_files() {
    local mode="${1:-auto}" src="$REPO/wordpress-plugin"
    mkdir -p "$RUN/plugins"
    chmod 755 "$RUN/plugins"
    if [ "$mode" = auto ] && runuser -u www-data -- test -r "$src/$PLUGIN_SLUG.php" 2>/dev/null; then
        ln -s "$src" "$RUN/plugins/$PLUGIN_SLUG"
        WP_PLUGIN_MODE="symlink to $src"
    else
        mkdir -p "$RUN/plugins/$PLUGIN_SLUG"
        # Only what WordPress loads: not the tests.
        (cd "$src" && tar --exclude=./tests -cf - .) | (cd "$RUN/plugins/$PLUGIN_SLUG" && tar -xf -)
        chmod -R u=rwX,go=rX "$RUN/plugins/$PLUGIN_SLUG"
        WP_PLUGIN_MODE="copy of $src"
    fi
}

wp_write_config() {
    local url="http://127.0.0.1:$WP_PORT" salts="" k
    for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
        salts+="define('$k', '$(wp_secret)');"$'\n'
    done
    mkdir -p /etc/wordpress
    umask 027
    cat >"$WP_CONFIG_FILE" <<PHP
<?php
// Written by scripts/wordpress-env.sh for one run; removed when the run stops.
define('DB_NAME', '$WP_DB_NAME');
define('DB_USER', '$WP_DB_USER');
define('DB_PASSWORD', '$WP_DB_PASSWORD');
define('DB_HOST', 'localhost:$RUN/mysqld.sock');
define('WP_HOME', '$url');
define('WP_SITEURL', '$url');
define('WP_PLUGIN_DIR', '$RUN/plugins');
define('WP_PLUGIN_URL', '$url/dda-plugins');
define('WP_HTTP_BLOCK_EXTERNAL', true);   // loopback only; the site's own host (127.0.0.1) stays allowed
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', false);           // php-fpm's pool logs to $RUN/php-error.log
$salts
PHP
    umask 022
    chgrp www-data "$WP_CONFIG_FILE"
    chmod 640 "$WP_CONFIG_FILE"
}

wp_start_nginx() {
    mkdir -p "$RUN/nginx"
    cat >"$RUN/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log warn;
daemon off;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    # With the time each answer took (seconds): a slow page shows in a failed run's log tail.
    log_format dda_timed '\$time_iso8601 \$request_method \$request_uri \$status \$body_bytes_sent \${request_time}s';
    access_log $RUN/nginx/access.log dda_timed;
    client_body_temp_path $RUN/nginx/client_body;
    proxy_temp_path $RUN/nginx/proxy;
    fastcgi_temp_path $RUN/nginx/fastcgi;
    uwsgi_temp_path $RUN/nginx/uwsgi;
    scgi_temp_path $RUN/nginx/scgi;
    client_max_body_size 8m;

    server {
        listen 127.0.0.1:$WP_PORT;
        server_name 127.0.0.1;
        root $WP_ROOT;
        index index.php;

        location ^~ /wp-content/ {
            alias /var/lib/wordpress/wp-content/;
            location ~ \.php\$ { return 403; }
        }
        # The plugins of this run (WP_PLUGIN_DIR / WP_PLUGIN_URL): static files only.
        location ^~ /dda-plugins/ {
            alias $RUN/plugins/;
            location ~ \.php\$ { return 403; }
        }
        location / {
            try_files \$uri \$uri/ /index.php?\$args;
        }
        location ~ \.php\$ {
            try_files \$uri =404;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_param HTTP_HOST \$http_host;
            fastcgi_param WORDPRESS_CONFIG $WP_CONFIG_NAME;
            fastcgi_pass unix:$RUN/php-fpm.sock;
            fastcgi_read_timeout 120s;
            fastcgi_buffer_size 32k;
            fastcgi_buffers 16 16k;
        }
    }
}
CONF
    nginx -t -q -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/nginx/error.log" 2>"$RUN/nginx/test.log" \
        || wp_die "nginx config: $(cat "$RUN/nginx/test.log")"
    dda_nginx_start "$RUN/nginx" "$RUN/nginx/nginx.conf" "$RUN/nginx/error.log"
    wp_track "$DDA_NGINX_PID" QUIT
    local pid=$DDA_NGINX_PID
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$WP_PORT/wp-login.php" && break
        wp_alive "$pid" nginx "$RUN/nginx/error.log"
        sleep 0.1
    done
}

# The DDA stack (scripts/stack.sh) on DDA_PORT with DDA_API_KEY / DDA_REG_TOKEN / DDA_JWT.
wp_start_dda_stack() {
    local bin_dir
    if [ -z "${DDA_SERVER_BIN:-}" ]; then
        if [ -x "$REPO/.build/release/dda-server" ] && { [ ! -x "$REPO/.build/debug/dda-server" ] || [ "$REPO/.build/release/dda-server" -nt "$REPO/.build/debug/dda-server" ]; }; then
            bin_dir="$REPO/.build/release"
        else
            bin_dir="$REPO/.build/debug"
        fi
        export DDA_SERVER_BIN="$bin_dir/dda-server"
        export DDA_RUNNER_BIN="${DDA_RUNNER_BIN:-$bin_dir/dda-runner}"
    fi
    [ -x "$DDA_SERVER_BIN" ] || wp_die "no dda-server at $DDA_SERVER_BIN (build it: swift build -c release)"
    [ -x "${DDA_RUNNER_BIN:-}" ] || wp_die "no dda-runner at ${DDA_RUNNER_BIN:-?} (build it: swift build -c release)"
    DDA_HTTP_PORT="$DDA_PORT" DDA_API_KEYS="$DDA_API_KEY" DDA_REGISTRATION_TOKEN="$DDA_REG_TOKEN" \
        DDA_JWT_SECRET="$DDA_JWT" DDA_RUNNERS="${DDA_RUNNERS:-1}" \
        "$REPO/scripts/stack.sh" >"$RUN/stack.log" 2>&1 &
    wp_track $! TERM
    local pid=$! url="http://127.0.0.1:$DDA_PORT"
    for _ in $(seq 1 150); do
        curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
        wp_alive "$pid" "the DDA stack" "$RUN/stack.log"
        sleep 0.1
    done
    curl -fsS -o /dev/null "$url/healthz" || wp_die "dda-server did not answer on $url"
    # The runners register right after start; wait until they are listed.
    local want="${DDA_RUNNERS:-1}"
    for _ in $(seq 1 150); do
        [ "$(curl -fsS -H "X-API-Key: $DDA_API_KEY" "$url/runners" 2>/dev/null | grep -o '"runner_id"' | wc -l)" -ge "$want" ] && return 0
        wp_alive "$pid" "the DDA stack" "$RUN/stack.log"
        sleep 0.1
    done
    wp_die "the runner did not register with $url (see $RUN/stack.log)"
}

# PHP run from the command line inside this site (sets HTTP_HOST and WORDPRESS_CONFIG first).
wp_php() {
    WP_CLI_HOST="127.0.0.1:$WP_PORT" WP_CLI_CONFIG="$WP_CONFIG_NAME" php "$@"
}

# Installs WordPress (no wp-cli), sets pretty permalinks (so /wp-json/ works), activates the
# plugin and stores its settings (API URL + key) so it is connected.
wp_install_site() {
    cat >"$RUN/install.php" <<'PHP'
<?php
$_SERVER['HTTP_HOST']        = getenv('WP_CLI_HOST');
$_SERVER['WORDPRESS_CONFIG'] = getenv('WP_CLI_CONFIG');
$_SERVER['SERVER_NAME']      = '127.0.0.1';
$_SERVER['REQUEST_URI']      = '/';
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (!function_exists('wp_new_blog_notification')) { function wp_new_blog_notification() {} }  // no mail
$result = wp_install('DDA', getenv('WP_ADMIN_USER'), 'admin@example.invalid', false, '', getenv('WP_ADMIN_PASSWORD'));
if (is_wp_error($result)) { fwrite(STDERR, $result->get_error_message() . "\n"); exit(1); }
update_option('permalink_structure', '/%postname%/');
update_option('show_avatars', 0);  // no requests to gravatar.com: the browser stays on loopback
PHP
    cat >"$RUN/activate.php" <<'PHP'
<?php
$_SERVER['HTTP_HOST']        = getenv('WP_CLI_HOST');
$_SERVER['WORDPRESS_CONFIG'] = getenv('WP_CLI_CONFIG');
$_SERVER['SERVER_NAME']      = '127.0.0.1';
$_SERVER['REQUEST_URI']      = '/';
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
flush_rewrite_rules(false);
$result = activate_plugin('distributed-data-analysis/distributed-data-analysis.php');
if (is_wp_error($result)) { fwrite(STDERR, 'activation: ' . $result->get_error_message() . "\n"); exit(1); }
if (getenv('DDA_SET_URL') !== false && getenv('DDA_SET_URL') !== '') {
    update_option('dda_settings', array('api_url' => getenv('DDA_SET_URL'), 'api_key' => getenv('DDA_SET_KEY'), 'timeout' => 10));
}
$settings = get_option('dda_settings');
echo is_plugin_active('distributed-data-analysis/distributed-data-analysis.php') ? "active\n" : "inactive\n";
PHP
    WP_ADMIN_USER="$WP_ADMIN_USER" WP_ADMIN_PASSWORD="$WP_ADMIN_PASSWORD" wp_php "$RUN/install.php" >"$RUN/install.log" 2>&1 \
        || wp_die "WordPress install failed: $(cat "$RUN/install.log")"
    local state
    state="$(DDA_SET_URL="${1:-}" DDA_SET_KEY="${2:-}" wp_php "$RUN/activate.php" 2>>"$RUN/install.log")" \
        || wp_die "plugin activation failed: $(cat "$RUN/install.log")"
    [ "$state" = active ] || wp_die "the plugin is not active after activation: $state $(cat "$RUN/install.log")"
}
