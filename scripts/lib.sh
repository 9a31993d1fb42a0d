# scripts/lib.sh — what the test, run and bench scripts share; source it, it runs nothing.
# (deploy/install.sh stays standalone: it is copied onto hosts without the rest.)

DDA_REPO="${DDA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# dda_secret [BYTES=32]: that many random bytes as lower-case hex.
dda_secret() { head -c "${1:-32}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# dda_free_port [TAKEN…]: a loopback port nothing listens on, below the ephemeral range
# (client sockets take those), and none of TAKEN (picked earlier, not bound yet).
dda_free_port() { "${DDA_PYTHON:-python3}" "$DDA_REPO/scripts/free-port.py" "$@"; }

# dda_man_warnings PAGE: groff's warnings about a man page (plain or .gz), rendered as lintian
# renders it; nothing when there are none.
dda_man_warnings() {
    LC_ALL=C.UTF-8 MANROFFSEQ="" MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null
}

# dda_man_text PAGE…: the pages (plain or .gz) as text, 200 columns wide so that an option and
# its value stay on one line for grep.
dda_man_text() {
    local page
    for page in "$@"; do MANWIDTH=200 man -l "$page" 2>/dev/null; done
}

# dda_install_missing PACKAGE…: apt-get installs the Debian packages that are missing, only those.
dda_install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}" >&2
    # A mirror that drops a connection once must not fail a CI run: apt retries each download.
    $sudo apt-get -o Acquire::Retries=3 update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# dda_nginx_start PREFIX CONF ERROR_LOG [nginx arguments…]: a private nginx in the
# background (the config runs it in the foreground); its pid in DDA_NGINX_PID.
dda_nginx_start() {
    local prefix="$1" conf="$2" errors="$3"
    shift 3
    nginx -p "$prefix" -c "$conf" -e "$errors" "$@" &
    DDA_NGINX_PID=$!
}

# dda_pg_start DIR: a private PostgreSQL cluster in DIR (created; unix socket only, no TCP),
# started, with an empty database `dda`; its connection string in DDA_PG_URL. initdb refuses
# root, so the cluster runs as `postgres`. Tests only: fsync=off (a killed server loses
# nothing, a power cut could). Stop it with dda_pg_stop DIR.
dda_pg_start() {
    local dir="$1" bin port
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -x "$bin/initdb" ] || { echo "dda_pg_start: PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    port="$(dda_free_port)"
    mkdir -p "$dir/data" "$dir/sock" "$dir/log"
    chmod 755 "$dir" "$dir/sock"
    chown -R postgres "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/log/initdb.log" 2>&1 \
        || { cat "$dir/log/initdb.log" >&2; return 1; }
    echo "$port" > "$dir/port"
    dda_pg_resume "$dir" || return 1
    runuser -u postgres -- "$bin/createdb" -h "$dir/sock" -p "$port" -U postgres dda
    DDA_PG_URL="postgresql:///dda?host=$dir/sock&port=$port&user=postgres"
    DDA_PG_BIN="$bin"
}

# dda_pg_resume DIR: starts again (same socket and port) a cluster dda_pg_stop stopped.
dda_pg_resume() {
    local dir="$1" bin port
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    port="$(cat "$dir/port")"
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log/postgresql.log" -w -s \
        -o "-k $dir/sock -p $port -c listen_addresses='' -c max_connections=400 -c fsync=off" start \
        || { cat "$dir/log/postgresql.log" >&2; return 1; }
}

# dda_pg_stop DIR: stops the cluster dda_pg_start started in DIR (safe to call twice).
dda_pg_stop() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -f "$1/data/postmaster.pid" ] || return 0
    runuser -u postgres -- "$bin/pg_ctl" -D "$1/data" -m fast -w -s stop || true
}
