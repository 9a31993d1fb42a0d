#!/usr/bin/env bash
# Installs the Debian packages DDA needs, only those missing. Usage: install-deps.sh [server|all]
#   server: libfcgi-dev libcurl4-openssl-dev nginx (build, make run, tests)
#   all:    + spawn-fcgi wrk (tools, bench)
set -euo pipefail
set_name="${1:-server}"
packages=(libfcgi-dev libcurl4-openssl-dev nginx pkg-config)
[ "$set_name" = all ] && packages+=(spawn-fcgi wrk)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
