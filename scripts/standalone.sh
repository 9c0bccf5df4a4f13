#!/usr/bin/env bash
# The README's "against the standalone mock" commands, as written there: the mock binary with
# slow deletions and the documented examples, the runner with mutations, restores and two
# servers (plus a second project, so the oracle's isolation runs too). Exit status: the
# runner's (0 when it passed). A run that hangs is cut at MAX_DURATION (exit 3 = incomplete).
# Usage: scripts/standalone.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${1:-18473}"
MAX_DURATION="${MAX_DURATION:-5m}"
cargo build --locked --quiet -p csbs-mock -p csbs-conformance --bins
bin=target/debug

"$bin/csbs-mock" --listen "127.0.0.1:$PORT" --token secret:my-project \
  --token other:other-project --seed-examples --delete-delay-ms 400 >target/standalone-mock.log 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/_mock/health" >/dev/null 2>&1 && break
  sleep 0.1
done

CSBS_TOKEN=secret "$bin/csbs-conformance" --endpoint "http://127.0.0.1:$PORT" \
  --project-id my-project --allow-mutations --allow-restore --server-id srv-a --server-id srv-b \
  --other-token other:other-project --max-duration "$MAX_DURATION" --no-progress
