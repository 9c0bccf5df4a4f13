#!/usr/bin/env bash
# The oracle's speed (csbs-conformance --only model): histories and steps per second against
# the embedded mock (its lifecycle delays: 60 ms protect, 400 ms delete) and, side by side with
# the same seed, against a standalone mock without delays (the baseline: what waiting for
# transitions costs is the ratio); then the shrink time of a typical failure (a standalone mock
# that allows one policy per project, unlike the model).
# Usage: scripts/bench_model.sh [HISTORIES] (default 30). PROFILE=release for a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

HISTORIES="${1:-30}"
PORT="${BENCH_PORT:-18533}"
PROFILE="${PROFILE:-debug}"
flag=""; [ "$PROFILE" = release ] && flag="--release"
cargo build $flag --quiet -p csbs-mock -p csbs-conformance
bin="target/$PROFILE"
TOKEN="bench-token-$$"
PROJECT="bench-project"

figures() { # the model note: histories, steps, requests, milliseconds
  sed -n 's/.*model: seed [0-9]*, \([0-9]*\) histories, \([0-9]*\) steps, \([0-9]*\) requests to the endpoint in \([0-9]*\) ms.*/\1 \2 \3 \4/p'
}
mock_pid=""
stop_mock() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true; mock_pid=""; }
trap stop_mock EXIT
start_mock() {
  "$bin/csbs-mock" --listen "127.0.0.1:$PORT" --token "$TOKEN:$PROJECT" "$@" >/dev/null 2>&1 &
  mock_pid=$!
  for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/" >/dev/null && return; sleep 0.1; done
}
servers="--server-id 5e7e0003-c0f0-4a11-8000-000000000003 --server-id 5e7e0004-c0f0-4a11-8000-000000000004 --server-id 5e7e0005-c0f0-4a11-8000-000000000005"

read -r h s r ms < <("$bin/csbs-conformance" --only model --model-cases "$HISTORIES" --model-seed 1 --no-progress 2>&1 | figures)
echo "embedded mock:         $h histories, $s steps, $r requests in $ms ms: $(echo "scale=1; $h*1000/$ms" | bc) histories/s, $(echo "scale=1; $s*1000/$ms" | bc) steps/s"

start_mock
read -r h2 s2 r2 ms2 < <(CSBS_TOKEN="$TOKEN" "$bin/csbs-conformance" --endpoint "http://127.0.0.1:$PORT" --project-id "$PROJECT" \
  --allow-mutations $servers --only model --model-cases "$HISTORIES" --model-seed 1 --no-progress 2>&1 | figures)
stop_mock
echo "mock without delays:   $h2 histories, $s2 steps, $r2 requests in $ms2 ms: $(echo "scale=1; $h2*1000/$ms2" | bc) histories/s (baseline)"
echo "time ratio embedded/baseline: $(echo "scale=2; $ms/$ms2" | bc)"

config=$(mktemp --suffix .yaml); echo "quotas: {policies: 1}" > "$config"
start_mock --config "$config"
out=$(CSBS_TOKEN="$TOKEN" "$bin/csbs-conformance" --endpoint "http://127.0.0.1:$PORT" --project-id "$PROJECT" \
  --allow-mutations $servers --only model --model-cases "$HISTORIES" --model-seed 1 --no-progress 2>&1 || true)
stop_mock; rm -f "$config"
echo "a typical failure (endpoint allows one policy): $(echo "$out" | grep -oE 'differ on [a-z ]+ at step [0-9]+' | head -1), $(echo "$out" | grep -oE 'shrunk in [0-9]+ ms' | head -1), $(echo "$out" | grep -cE '^  [0-9]+: ') steps left"
