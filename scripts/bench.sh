#!/usr/bin/env bash
# Throughput of the mock (list and create calls) beside a bare axum handler answering the
# same bodies, and Prism serving the same spec, in one run on loopback (BENCH_STATE=FILE: the
# mock keeps its state in FILE, see mock/README.md); then, unless
# SKIP_SCALE=1, the scale bench (1,000,000 backups: pages by marker, filtered counts, memory).
# Prism comes from npm (@stoplight/prism-cli); without npx the Prism line is skipped.
#
# Before and after a change (the mock's throughput must stay within 10% of a baseline): build
# the throughput bench at both commits, keep both binaries, and run them alternately, at least
# twice each, comparing the "mock / bare axum" ratios (each run pairs the mock with a bare
# handler, so load from other processes hits both alike; raw req/s across runs do not compare):
#   git worktree add /tmp/base BASE_COMMIT && (cd /tmp/base && cargo bench -p csbs-mock \
#     --bench throughput --no-run)   # prints "Executable ... (target/release/deps/throughput-HASH)"
#   cp /tmp/base/target/release/deps/throughput-HASH /tmp/throughput-base   # same for the change
#   for i in 1 2; do /tmp/throughput-base --bench; /tmp/throughput-new --bench; done
# With `wrk` installed the bench uses it and also prints the server's CPU per request, steadier
# than req/s on a shared machine. `scripts/bench_instructions.sh BINARY...` counts the mock's
# instructions per request under callgrind, a figure the machine's load does not move.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_PORT="${PRISM_PORT:-18490}"
PRISM_VERSION="5.16.0"

prism_pid=""
# npx runs Prism as a child: it gets a process group of its own, and the whole group is stopped.
trap '[ -z "$prism_pid" ] || kill -- "-$prism_pid" 2>/dev/null || true' EXIT
if command -v npx >/dev/null; then
  setsid npx --yes "@stoplight/prism-cli@$PRISM_VERSION" mock spec/csbs-v1.yaml -h 127.0.0.1 -p "$PRISM_PORT" >/tmp/prism-bench.log 2>&1 &
  prism_pid=$!
  for _ in $(seq 300); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $PRISM_PORT), 0.2)" 2>/dev/null; then
      export PRISM_URL="127.0.0.1:$PRISM_PORT"
      break
    fi
    sleep 0.2
  done
fi

cargo bench --quiet -p csbs-mock --bench throughput
if [ "${SKIP_SCALE:-0}" != 1 ]; then
  cargo bench --quiet -p csbs-mock --bench scale
fi
