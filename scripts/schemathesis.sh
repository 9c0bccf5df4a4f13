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
. scripts/fuzz_mock.sh
start_fuzz_mock "$ST_PROJECT"

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
