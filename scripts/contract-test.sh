#!/usr/bin/env bash
# The OpenAPI contract test: starts a throwaway stack (dda-server behind a private nginx,
# scripts/stack.sh) on a free loopback port with generated credentials, runs
# tests/contract/check_openapi.py against it, stops the stack and exits with the checker's
# status.
#
# Environment: DDA_SERVER_BIN (default .build/debug/dda-server), DDA_MAX_BODY_BYTES
# (default 1048576), PYTHON (default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

export DDA_SERVER_BIN="${DDA_SERVER_BIN:-.build/debug/dda-server}"
export DDA_MAX_BODY_BYTES="${DDA_MAX_BODY_BYTES:-1048576}"
python="${PYTHON:-python3}"

if [ ! -x "$DDA_SERVER_BIN" ]; then
    echo "contract-test: no executable server at $DDA_SERVER_BIN (build it: swift build --product dda-server)" >&2
    exit 1
fi
command -v nginx >/dev/null || { echo "contract-test: nginx is not installed (scripts/install-deps.sh server)" >&2; exit 1; }
command -v curl >/dev/null || { echo "contract-test: curl is not installed" >&2; exit 1; }
command -v "$python" >/dev/null || { echo "contract-test: $python is not installed" >&2; exit 1; }

# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

port="$(DDA_PYTHON="$python" dda_free_port)"
api_key="$(dda_secret)"
registration_token="$(dda_secret)"
jwt_secret="$(dda_secret)"
log="$(mktemp /tmp/dda-contract.XXXXXX.log)"
stack_pid=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null; then
        kill -TERM "$stack_pid" 2>/dev/null || true
        wait "$stack_pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$log" ]; then
        echo "--- stack log (last 30 lines) ---" >&2
        tail -n 30 "$log" >&2
    fi
    rm -f "$log"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# No runner: the checker leases tasks itself and must find them where it put them.
DDA_HTTP_PORT="$port" DDA_API_KEYS="$api_key" DDA_REGISTRATION_TOKEN="$registration_token" \
    DDA_JWT_SECRET="$jwt_secret" DDA_RUNNERS=0 scripts/stack.sh >"$log" 2>&1 &
stack_pid=$!

url="http://127.0.0.1:$port"
ready=""
for _ in $(seq 1 100); do   # about 10 s
    if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then ready=1; break; fi
    if ! kill -0 "$stack_pid" 2>/dev/null; then
        echo "contract-test: the stack exited during start (see its log below)" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "contract-test: $url/healthz did not answer within 10 s" >&2
    exit 1
fi

echo "contract-test: stack up at $url (server $DDA_SERVER_BIN)"
status=0
"$python" tests/contract/check_openapi.py --base-url "$url" --api-key "$api_key" \
    --registration-token "$registration_token" --jwt-secret "$jwt_secret" \
    --max-body-bytes "$DDA_MAX_BODY_BYTES" || status=$?
exit "$status"
