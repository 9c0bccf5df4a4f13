# Sourced by the fuzzing and benchmark scripts: starts the release mock on 127.0.0.1:$PORT with
# unlimited quotas (hundreds of generated backups must not fill the documented 600) and the
# token $TOKEN for project $1, stops it when the script exits, and waits until it listens.
# Needs: PORT, TOKEN; the caller has run `cargo build --release -p csbs-mock`.
start_fuzz_mock() {
  local project="$1"
  fuzz_config="$(mktemp)"
  printf '{"quotas": {"backups": -1, "backup_capacity_gb": -1}}\n' > "$fuzz_config"
  # The request log (one line per request) would drown the fuzzer's output: warnings only.
  RUST_LOG="${RUST_LOG:-warn}" ./target/release/csbs-mock --listen "127.0.0.1:$PORT" --config "$fuzz_config" --token "$TOKEN:$project" >/dev/null &
  fuzz_mock_pid=$!
  trap 'kill "$fuzz_mock_pid" 2>/dev/null; rm -f "$fuzz_config"' EXIT
  for _ in $(seq 50); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the mock did not start on 127.0.0.1:$PORT" >&2
  return 1
}
