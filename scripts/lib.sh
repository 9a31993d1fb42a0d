# scripts/lib.sh — what the test, run and bench scripts share; source it, it runs nothing.
# (deploy/install.sh stays standalone: it is copied onto hosts without the rest.)

DDA_REPO="${DDA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

# dda_secret [BYTES=32]: that many random bytes as lower-case hex.
dda_secret() { head -c "${1:-32}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# dda_free_port [TAKEN…]: a loopback port nothing listens on, below the ephemeral range
# (client sockets take those), and none of TAKEN (picked earlier, not bound yet).
dda_free_port() { "${DDA_PYTHON:-python3}" "$DDA_REPO/scripts/free-port.py" "$@"; }

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
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# dda_nginx_start PREFIX CONF ERROR_LOG [nginx arguments…]: a private nginx in the
# background (the config runs it in the foreground); its pid in DDA_NGINX_PID.
dda_nginx_start() {
    local prefix="$1" conf="$2" errors="$3"
    shift 3
    nginx -p "$prefix" -c "$conf" -e "$errors" "$@" &
    DDA_NGINX_PID=$!
}
