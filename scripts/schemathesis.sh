#!/usr/bin/env bash
# Runs Schemathesis with all its checks against the mock (release build) on loopback, for
# both documents. Usage: scripts/schemathesis.sh [MAX_EXAMPLES] (default 300 per operation).
# Exit status: Schemathesis's (0 when no check failed).
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES="${1:-300}"
PORT="${ST_PORT:-18431}"
export ST_PROJECT="st-project"
TOKEN="st-token-$$"
ST_VERSION="4.32.5"

if ! command -v st >/dev/null || ! st --version | grep -q "$ST_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

cargo build --release --quiet -p csbs-mock
config="$(mktemp)"
# Unlimited quotas: hundreds of generated protects must not fill the documented 600.
printf '{"quotas": {"backups": -1, "backup_capacity_gb": -1}}\n' > "$config"
./target/release/csbs-mock --listen "127.0.0.1:$PORT" --config "$config" --token "$TOKEN:$ST_PROJECT" >/dev/null &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null; rm -f "$config"' EXIT
for _ in $(seq 50); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done

export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=schemathesis_hooks

status=0
for spec in spec/csbs-v1.yaml spec/cbr-v3.yaml; do
  echo "== $spec"
  st --config-file scripts/schemathesis.toml run "$spec" \
    -u "http://127.0.0.1:$PORT" \
    -c all \
    -H "X-Auth-Token: $TOKEN" \
    --max-examples "$MAX_EXAMPLES" \
    --seed 20261123 \
    --no-color || status=$?
done
exit "$status"
