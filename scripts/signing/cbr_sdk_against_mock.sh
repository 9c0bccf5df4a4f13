#!/usr/bin/env bash
# The vendor's own Python SDK for CBR signs list-backups requests to the mock, and the mock
# accepts them (and refuses a wrong secret key): see cbr_sdk_against_mock.py.
#
# Needs only the Rust toolchain and Python 3 with pip (and the venv module): the pinned SDK
# is installed from PyPI into target/cbr-sdk-venv, the mock is built (debug, or the binary
# named by CSBS_MOCK_BIN) and started on a free loopback port with a fake AK/SK pair and a
# token bound to one project, seeded with the documented examples. Exits non-zero on failure.
#
#   scripts/signing/cbr_sdk_against_mock.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

SDK_VERSION="3.1.219"   # the core version the signing vectors were made with
AK="AKCBRSDKTESTNOTREAL0"
SK="sk-cbr-sdk-test-NOT-A-REAL-SECRET-0000"
TOKEN="cbr-sdk-test-token"
PROJECT="0605767b5780d5762fc5c0118072a564"

mkdir -p target
packages=("huaweicloudsdkcbr==$SDK_VERSION" "huaweicloudsdkcore==$SDK_VERSION")
venv="$PWD/target/cbr-sdk-venv"
if [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; then
  python="$venv/bin/python"
  "$python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
else
  # A Python without the venv module (ensurepip): the packages go into a folder of their own.
  echo "python3 -m venv is not available; installing the SDK into target/cbr-sdk-site instead"
  rm -rf "$venv"
  python=python3
  python3 -m pip install --quiet --disable-pip-version-check --upgrade --target "$PWD/target/cbr-sdk-site" "${packages[@]}"
  export PYTHONPATH="$PWD/target/cbr-sdk-site${PYTHONPATH:+:$PYTHONPATH}"
fi
"$python" -c 'from importlib.metadata import version as v; print("huaweicloudsdkcbr", v("huaweicloudsdkcbr"), "/ huaweicloudsdkcore", v("huaweicloudsdkcore"))'

mock="${CSBS_MOCK_BIN:-}"
if [ -z "$mock" ]; then
  cargo build --locked --quiet -p csbs-mock
  mock="${CARGO_TARGET_DIR:-$PWD/target}/debug/csbs-mock"
fi

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$PWD/target/cbr-sdk-mock.log"
"$mock" --listen "127.0.0.1:$port" --aksk "$AK:$SK:$PROJECT" --token "$TOKEN:$PROJECT" --seed-examples >"$log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if grep -q 'listening on' "$log"; then break; fi
  if ! kill -0 "$mock_pid" 2>/dev/null; then echo "the mock did not start:"; cat "$log"; exit 1; fi
  sleep 0.1
done
grep -q 'listening on' "$log" || { echo "the mock did not start listening within 10 s:"; cat "$log"; exit 1; }
sed 's/^/mock: /' "$log"

"$python" scripts/signing/cbr_sdk_against_mock.py \
  --endpoint "http://127.0.0.1:$port" --ak "$AK" --sk "$SK" --project "$PROJECT" --token "$TOKEN"
