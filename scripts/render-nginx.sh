#!/usr/bin/env bash
# Renders nginx/dev.conf.template into RUN_DIR/nginx.conf and copies openapi.yaml beside it
# (nginx's workers may not be able to read the checkout, e.g. under /root).
# Usage: render-nginx.sh RUN_DIR PORT SOCKET[,SOCKET…] MAX_BODY_BYTES
# Several sockets (comma-separated) make one upstream of several dda-servers (on one database).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
run_dir="$1" port="$2" socket="$3" max_body="$4"
mkdir -p "$run_dir"
chmod 755 "$run_dir"
if [ -f "$here/openapi.yaml" ]; then cp "$here/openapi.yaml" "$run_dir/openapi.yaml"; chmod 644 "$run_dir/openapi.yaml"; fi
servers=""
IFS=',' read -r -a sockets <<< "$socket"
for one in "${sockets[@]}"; do servers+="server unix:$one; "; done
sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@PORT@|$port|g" -e "s|@SERVERS@|$servers|g" \
    -e "s|@MAX_BODY@|$max_body|g" -e "s|@DOCS_DIR@|$run_dir|g" \
    "$here/nginx/dev.conf.template" > "$run_dir/nginx.conf"
echo "$run_dir/nginx.conf"
