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

log="$PWD/target/cbr-sdk-mock.log"
source scripts/lib/mock.sh
start_mock "$log" --aksk "$AK:$SK:$PROJECT" --token "$TOKEN:$PROJECT" --seed-examples
sed 's/^/mock: /' "$log"

"$python" scripts/signing/cbr_sdk_against_mock.py \
  --endpoint "$MOCK_ENDPOINT" --ak "$AK" --sk "$SK" --project "$PROJECT" --token "$TOKEN"
