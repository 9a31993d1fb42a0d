#!/usr/bin/env bash
# Installs the Debian packages DDA needs, only those missing. Usage: install-deps.sh [server|all]
#   server: libfcgi-dev libcurl4-openssl-dev libpq-dev nginx (build, make run, tests)
#   all:    + spawn-fcgi wrk (tools, bench)
set -euo pipefail
set_name="${1:-server}"
packages=(libfcgi-dev libcurl4-openssl-dev libpq-dev nginx pkg-config)
[ "$set_name" = all ] && packages+=(spawn-fcgi wrk)
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
dda_install_missing "${packages[@]}"
