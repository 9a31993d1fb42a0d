#!/usr/bin/env bash
# scripts/with-postgres.sh COMMAND…: runs COMMAND with DDA_TEST_DATABASE_URL pointing at a
# private, empty PostgreSQL cluster started for it (in a temporary directory, unix socket
# only), then stops the cluster and removes it. Installs postgresql when it is missing.
# `make test` runs the Swift tests this way, so the queue tests run on both stores.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
dda_install_missing postgresql libpq-dev
dir="$(mktemp -d /tmp/dda-pg.XXXXXX)"
cleanup() { dda_pg_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
dda_pg_start "$dir"
echo "with-postgres: PostgreSQL $("$DDA_PG_BIN/postgres" --version | awk '{print $3}') at $dir/sock" >&2
DDA_TEST_DATABASE_URL="$DDA_PG_URL" "$@"
