#!/usr/bin/env bash
# `make wordpress`: a local WordPress with the "Distributed Data Analysis" plugin active and
# connected to a local DDA stack (nginx + dda-server + DDA_RUNNERS runners, default 1).
# Installs missing packages (apt-get), starts MariaDB (private datadir), php-fpm, nginx and
# the stack, installs WordPress, activates and configures the plugin, prints the wp-admin URL
# and login, and stops everything on Ctrl-C / SIGTERM. The site is fresh on every start.
#
# Environment: DDA_WP_PORT (WordPress, default 8081 or a free port), DDA_HTTP_PORT (API,
# default a free port), DDA_API_KEYS / DDA_REGISTRATION_TOKEN / DDA_JWT_SECRET (else
# .run/dev.env, shared with `make run`), DDA_SERVER_BIN / DDA_RUNNER_BIN, DDA_RUNNERS,
# WP_ADMIN_USER (default admin), WP_ADMIN_PASSWORD (default generated).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/wordpress-env.sh
. "$here/scripts/wordpress-env.sh"

wp_install_packages
wp_env_init dda-wp
trap 'wp_env_cleanup; echo "Stopped."' EXIT
trap 'exit 0' INT TERM

# The same credentials as `make run` (.run/dev.env, generated once); the environment wins.
mkdir -p "$REPO/.run"
chmod 700 "$REPO/.run"
if [ ! -f "$REPO/.run/dev.env" ]; then
    (umask 077
     { echo "DDA_API_KEYS=$(wp_secret)$(wp_secret)"
       echo "DDA_REGISTRATION_TOKEN=$(wp_secret)$(wp_secret)"
       echo "DDA_JWT_SECRET=$(wp_secret)$(wp_secret)"; } >"$REPO/.run/dev.env")
fi
while IFS='=' read -r name value; do
    [ -n "$name" ] || continue
    [ -n "${!name:-}" ] || export "$name=$value"
done <"$REPO/.run/dev.env"
DDA_API_KEY="${DDA_API_KEYS%%,*}"
DDA_REG_TOKEN="$DDA_REGISTRATION_TOKEN"
DDA_JWT="$DDA_JWT_SECRET"

if [ -n "${DDA_WP_PORT:-}" ]; then
    WP_PORT="$DDA_WP_PORT"
elif wp_port_is_free 8081; then
    WP_PORT=8081
else
    WP_PORT="$(wp_free_port)"
fi
DDA_PORT="${DDA_HTTP_PORT:-$(wp_free_port)}"
wp_port_is_free "$WP_PORT" || wp_die "port $WP_PORT is in use (set DDA_WP_PORT)"
wp_port_is_free "$DDA_PORT" || wp_die "port $DDA_PORT is in use (set DDA_HTTP_PORT)"

echo "Starting MariaDB, php-fpm, nginx and the DDA stack (files in $RUN)…"
wp_start_dda_stack
wp_start_mariadb
wp_start_php_fpm
wp_install_plugin_files auto
wp_write_config
wp_start_nginx
wp_install_site "http://127.0.0.1:$DDA_PORT" "$DDA_API_KEY"

cat <<MSG

WordPress is running with the Distributed Data Analysis plugin, connected to DDA.
  wp-admin:     http://127.0.0.1:$WP_PORT/wp-admin/admin.php?page=dda-tasks
  login:        $WP_ADMIN_USER / $WP_ADMIN_PASSWORD
  DDA API:      http://127.0.0.1:$DDA_PORT  (API key in $REPO/.run/dev.env)
  runners:      ${DDA_RUNNERS:-1} (loop mode)
  plugin:       $WP_PLUGIN_MODE
  logs:         $RUN (php-error.log, stack.log, nginx/)

The site is fresh on every start and removed on exit. Ctrl-C stops everything.
MSG

# Until Ctrl-C / SIGTERM, or until one of the processes dies.
wait -n "${WP_PIDS[@]}" || true
echo "A process exited; stopping." >&2
exit 1
