#!/usr/bin/env bash
# How long a whole run takes when one operation hangs: the suite against the release mock
# through scripts/slow_proxy.py twice, once with nothing delayed (the healthy baseline, proxy
# overhead included) and once with showQuotas (GET .../quotas) answered after DELAY seconds
# while the runner's timeout is TIMEOUT. Prints both wall times, the
# timeouts met and the ratio. An operation that timed out twice has its remaining generated
# cases skipped, so the slow run should take about the healthy run plus the timeouts it met.
# Usage: scripts/bench_slow_endpoint.sh [DELAY] [TIMEOUT] (default 12 10)
set -euo pipefail
cd "$(dirname "$0")/.."

DELAY="${1:-12}"
TIMEOUT="${2:-10}"
PORT="${BENCH_PORT:-18533}"
PROXY_PORT="${BENCH_PROXY_PORT:-18534}"
HEALTHY_PORT="${BENCH_HEALTHY_PORT:-18535}"
PROJECT="bench-project"
TOKEN="bench-token-$$"

cargo build --release --quiet -p csbs-mock -p csbs-conformance
. scripts/fuzz_mock.sh
start_fuzz_mock "$PROJECT"
python3 scripts/slow_proxy.py "$PROXY_PORT" "$PORT" /quotas "$DELAY" &
proxy_pid=$!
python3 scripts/slow_proxy.py "$HEALTHY_PORT" "$PORT" /no-such-path 0 &
healthy_pid=$!
trap 'kill "$fuzz_mock_pid" "$proxy_pid" "$healthy_pid" 2>/dev/null; rm -f "$fuzz_config"' EXIT
sleep 0.5

run() {
  local url="$1" start end
  start=$(date +%s.%N)
  ./target/release/csbs-conformance --endpoint "$url" --project-id "$PROJECT" --token "$TOKEN" \
    --allow-mutations --allow-restore --server-id 5e7e0001-c0f0-4a11-8000-000000000001 \
    --server-id 5e7e0002-c0f0-4a11-8000-000000000002 --timeout "${TIMEOUT}s" --seed 1 --no-progress \
    --report "json=$report" > "$summary" 2>&1 || true
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l)"
}

report="$(mktemp)"
summary="$(mktemp)"
healthy=$(run "http://127.0.0.1:$HEALTHY_PORT")
slow=$(run "http://127.0.0.1:$PROXY_PORT")
# Timeouts met: every request of the slow run that got no answer in time.
timeouts=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timeouts'])" "$report")
printf 'healthy endpoint (same proxy, nothing delayed): %6.1f s\n' "$healthy"
printf 'showQuotas answering after %ss (timeout %ss): %6.1f s (%d timeouts reported)\n' "$DELAY" "$TIMEOUT" "$slow" "$timeouts"
printf 'ratio slow / healthy: %.1fx; bound (2 x healthy + timeouts met): %.1f s\n' \
  "$(echo "$slow / $healthy" | bc -l)" "$(echo "2 * $healthy + $timeouts * $TIMEOUT" | bc -l)"
grep -E 'timed out|passed, ' "$summary" || true
