#!/usr/bin/env bash
# The oracle's speed (csbs-conformance --only model), with fixed seeds:
# 1. histories and steps per second against the embedded mock (its lifecycle delays: 60 ms
#    protect, 400 ms delete) and, side by side with the same seed, against a standalone mock
#    without delays (the baseline: what waiting for transitions costs is the ratio);
# 2. the shrink time of a typical failure: a standalone mock that allows one policy per
#    project (the model allows the documented quota) fails on status at the second create, and
#    the failing history is shrunk; against the mock as it is and against a slow one (40 ms a
#    request, backups protecting and deleting for 1 s each, so that every settle and every
#    cleanup polls at the default 2 s interval). With BASELINE=<another csbs-conformance
#    build> (e.g. one built at an older commit), both runners shrink the same failure one after
#    the other and the ratios (this build / baseline) are printed.
# Wall times are noisy on a shared machine; the runner's CPU time (user + sys, the in-process
# model included) is printed beside them.
# Usage: scripts/bench_model.sh [HISTORIES] (default 30). PROFILE=release for a release build;
# SEEDS="1 2 3" and SLOW_SEEDS="1 2" choose the failures' seeds (SLOW_SEEDS="" skips the slow
# endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."

HISTORIES="${1:-30}"
SEEDS="${SEEDS:-1 2 3}"
SLOW_SEEDS="${SLOW_SEEDS-1 2}"
BASELINE="${BASELINE:-}"
PROFILE="${PROFILE:-debug}"
flag=""; [ "$PROFILE" = release ] && flag="--release"
cargo build $flag --quiet -p csbs-mock -p csbs-conformance
bin="target/$PROFILE"
export CSBS_MOCK_BIN="$bin/csbs-mock"
. scripts/lib/mock.sh
trap 'rm -f "$log" "$out" "$timed" "$config"' EXIT
TOKEN="bench-token-$$"
PROJECT="bench-project"
log=$(mktemp); out=$(mktemp); timed=$(mktemp); config=$(mktemp --suffix .yaml)
echo "quotas: {policies: 1}" > "$config"
cleanup() { kill "${MOCK_PID:-}" 2>/dev/null || true; rm -f "$log" "$out" "$timed" "$config"; }
start() { start_mock "$log" --token "$TOKEN:$PROJECT" "$@"; trap cleanup EXIT; }
stop_mock() { kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; }
servers="--server-id 5e7e0003-c0f0-4a11-8000-000000000003 --server-id 5e7e0004-c0f0-4a11-8000-000000000004 --server-id 5e7e0005-c0f0-4a11-8000-000000000005"

# Runs runner $1 with the rest as options, output in $out; prints "wall_s cpu_s".
timed_run() {
  local runner="$1"; shift
  /usr/bin/time -o "$timed" -f '%e %U %S' "$runner" --only model --no-progress "$@" >"$out" 2>&1 || true
  tail -1 "$timed" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}
against_mock() { # runner, options...: against the running standalone mock
  local runner="$1"; shift
  CSBS_TOKEN="$TOKEN" timed_run "$runner" --endpoint "$MOCK_ENDPOINT" --project-id "$PROJECT" --allow-mutations $servers "$@"
}
figures() { # the model note of $out: histories, steps, requests, milliseconds
  sed -n 's/.*model: seed [0-9]*, \([0-9]*\) histories[^,]*, \([0-9]*\) steps, \([0-9]*\) requests to the endpoint in \([0-9]*\) ms.*/\1 \2 \3 \4/p' "$out"
}

echo "== histories per second (--model-cases $HISTORIES --model-seed 1)"
read -r wall cpu < <(timed_run "$bin/csbs-conformance" --model-cases "$HISTORIES" --model-seed 1)
read -r h s r ms < <(figures)
echo "embedded mock:       $h histories, $s steps, $r requests in $ms ms: $(echo "scale=1; $h*1000/$ms" | bc) histories/s, $(echo "scale=1; $s*1000/$ms" | bc) steps/s (process: $wall s wall, $cpu s CPU)"
start
read -r wall2 cpu2 < <(against_mock "$bin/csbs-conformance" --model-cases "$HISTORIES" --model-seed 1)
read -r h2 s2 r2 ms2 < <(figures)
stop_mock
echo "mock without delays: $h2 histories, $s2 steps, $r2 requests in $ms2 ms: $(echo "scale=1; $h2*1000/$ms2" | bc) histories/s, $(echo "scale=1; $s2*1000/$ms2" | bc) steps/s (process: $wall2 s wall, $cpu2 s CPU; the baseline)"
echo "time ratio embedded / baseline: $(echo "scale=2; $ms/$ms2" | bc)"

# One shrink by runner $1 with seed $2: "shrink_ms steps_left runs wall_s cpu_s".
shrink_once() {
  local wall cpu shrink steps runs
  read -r wall cpu < <(against_mock "$1" --model-cases 30 --model-seed "$2")
  shrink=$(grep -oE 'shrunk in [0-9]+ ms' "$out" | head -1 | grep -oE '[0-9]+' || echo "-")
  runs=$(grep -oE 'ms, [0-9]+ runs\)' "$out" | head -1 | grep -oE '[0-9]+' || echo "?")
  steps=$(grep -cE '^  [0-9]+: ' "$out" || true)
  grep -qE 'differ on [a-z ]+ at step' "$out" || { echo "seed $2: no failure found" >&2; shrink="-"; }
  echo "$shrink $steps $runs $wall $cpu"
}
ratio() { if [ "$1" = "-" ] || [ "$2" = "-" ] || [ "$(echo "$2 == 0" | bc)" = 1 ]; then echo "-"; else echo "scale=3; $1 / $2" | bc; fi; }
shrinks() { # name, seeds, mock options...
  local name="$1" seeds="$2"; shift 2
  [ -n "$seeds" ] || return 0
  start --config "$config" "$@"
  for seed in $seeds; do
    read -r cs cn cr cw cc < <(shrink_once "$bin/csbs-conformance" "$seed")
    if [ -z "$BASELINE" ]; then
      printf '%-5s seed %s: shrunk in %6s ms (%s runs) to %2s steps; whole run %6.1f s wall, %5.2f s CPU\n' "$name" "$seed" "$cs" "$cr" "$cn" "$cw" "$cc"
      continue
    fi
    read -r bs bn br bw bc < <(shrink_once "$BASELINE" "$seed")
    printf '%-5s seed %s: baseline shrunk in %6s ms (%s runs) to %2s steps (run %6.1f s wall, %5.2f s CPU) | this build %6s ms (%s runs) to %2s steps (run %6.1f s wall, %5.2f s CPU) | this/baseline: shrink %s, run wall %s, run CPU %s\n' \
      "$name" "$seed" "$bs" "$br" "$bn" "$bw" "$bc" "$cs" "$cr" "$cn" "$cw" "$cc" "$(ratio "$cs" "$bs")" "$(ratio "$cw" "$bw")" "$(ratio "$cc" "$bc")"
  done
  stop_mock
}
echo "== shrinking a typical failure (an endpoint that allows one policy)"
shrinks mock "$SEEDS"
shrinks slow "$SLOW_SEEDS" --latency-ms 40 --protect-delay-ms 1000 --delete-delay-ms 1000
