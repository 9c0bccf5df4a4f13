#!/usr/bin/env bash
# Generated test cases per second against the mock: csbs-conformance's properties part and
# Schemathesis side by side, in one run, on the same spec and the same mock (release build,
# loopback). Prints both rates and their ratio.
# Usage: scripts/bench_properties.sh [CASES_PER_OPERATION] (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${1:-200}"
PORT="${BENCH_PORT:-18532}"
PROJECT="bench-project"
TOKEN="bench-token-$$"
ST_VERSION="4.32.5"

if ! command -v st >/dev/null || ! st --version | grep -q "$ST_VERSION"; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
cargo build --release --quiet -p csbs-mock -p csbs-conformance

. scripts/fuzz_mock.sh
start_fuzz_mock "$PROJECT"

now() { date +%s.%N; }

# csbs-conformance: valid and invalid cases of every operation.
start=$(now)
ours=$(./target/release/csbs-conformance --endpoint "http://127.0.0.1:$PORT" --project-id "$PROJECT" \
  --token "$TOKEN" --allow-mutations --only properties --cases "$CASES" --seed 1 --no-progress 2>&1 || true)
ours_s=$(echo "$(now) - $start" | bc -l)
ours_cases=$(echo "$ours" | sed -n 's/.*properties: \([0-9]*\) cases passed.*/\1/p')
[ -n "$ours_cases" ] || { echo "csbs-conformance did not report its cases:"; echo "$ours"; exit 1; }

# Schemathesis: the same operations, positive and negative generation, all checks.
start=$(now)
theirs=$(for spec in spec/csbs-v1.yaml spec/cbr-v3.yaml; do
  st run "$spec" -u "http://127.0.0.1:$PORT" -H "X-Auth-Token: $TOKEN" -c all \
    --generation-database none -n "$CASES" --seed 1 --no-color 2>&1 || true
done)
theirs_s=$(echo "$(now) - $start" | bc -l)
theirs_cases=$(echo "$theirs" | grep -oE '[0-9]+ generated' | awk '{s += $1} END {print s + 0}')

ours_rate=$(echo "$ours_cases / $ours_s" | bc -l)
theirs_rate=$(echo "$theirs_cases / $theirs_s" | bc -l)
printf 'csbs-conformance properties: %d cases in %.1f s = %.0f cases/s\n' "$ours_cases" "$ours_s" "$ours_rate"
printf 'schemathesis %s:          %d cases in %.1f s = %.0f cases/s\n' "$ST_VERSION" "$theirs_cases" "$theirs_s" "$theirs_rate"
printf 'ratio: %.1fx\n' "$(echo "$ours_rate / $theirs_rate" | bc -l)"
