# Sourced by the scripts that drive a client against the mock (run from the repository root).
#
# start_mock LOG [mock options...]: builds csbs-mock (debug) unless CSBS_MOCK_BIN names a
# binary, starts it on a free port of 127.0.0.1 with the options, output in LOG, and waits until
# it listens (10 s at most). Sets MOCK_ENDPOINT and MOCK_PID; the mock is stopped when the
# calling shell exits.
start_mock() {
  local log="$1" mock="${CSBS_MOCK_BIN:-}" port
  shift
  if [ -z "$mock" ]; then
    cargo build --locked --quiet -p csbs-mock
    mock="${CARGO_TARGET_DIR:-$PWD/target}/debug/csbs-mock"
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$mock" --listen "127.0.0.1:$port" "$@" >"$log" 2>&1 &
  MOCK_PID=$!
  trap 'kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if grep -q 'listening on' "$log"; then break; fi
    if ! kill -0 "$MOCK_PID" 2>/dev/null; then echo "the mock did not start:"; cat "$log"; return 1; fi
    sleep 0.1
  done
  grep -q 'listening on' "$log" || { echo "the mock did not start listening within 10 s:"; cat "$log"; return 1; }
  MOCK_ENDPOINT="http://127.0.0.1:$port"
}
