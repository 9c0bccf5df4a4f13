#!/usr/bin/env bash
# A request member renamed in the spec breaks the runner's build (issue 21): the runner builds
# its request bodies as the generated `csbs-types` request types, so once the types are
# regenerated from the changed spec, `csbs-conformance` no longer compiles.
#
# On a copy of the committed tree (git archive HEAD; uncommitted edits are not in it) it
# renames `operation_type` of `ScheduledOperationCreate` (createPolicy's schedule) to
# `operation_kind`, regenerates with the generator, and checks the runner (without the embedded
# mock, whose build breaks too and would stop cargo first). Passes when that check fails with
# the old member named in conformance/src/fixtures.rs. Shares this clone's target/ for the
# compiled dependencies. Usage: scripts/renamed_member.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
copy=$(mktemp -d)
# Cargo judges a workspace crate fresh by paths relative to the workspace, so what the copy
# built (its renamed spec embedded, the generator pointing at the copy) would be taken as this
# clone's own: forget the workspace crates' fingerprints on the way out, so the next build
# here compiles them again from this clone's sources (the dependencies stay compiled).
trap 'rm -rf "$copy" "$repo"/target/debug/.fingerprint/csbs-*' EXIT
git archive HEAD | tar -x -C "$copy"
cd "$copy"

python3 - spec/csbs-v1.yaml <<'PY'
import re, sys
path = sys.argv[1]
lines = open(path).read().split("\n")
start = lines.index("    ScheduledOperationCreate:")
end = next(i for i in range(start + 1, len(lines)) if re.match(r"^    \S", lines[i]))
block = "\n".join(lines[start:end])
renamed = block.replace("operation_type", "operation_kind")
if renamed == block:
    sys.exit("ScheduledOperationCreate has no member operation_type: update this script")
lines[start:end] = renamed.split("\n")
open(path, "w").write("\n".join(lines))
PY
echo "spec copy: ScheduledOperationCreate.operation_type renamed to operation_kind"

export CARGO_TARGET_DIR="$repo/target"
cargo run --locked --quiet -p csbs-generator
grep -q 'operation_kind' types/src/csbs.rs || { echo "the regenerated types lack the new name" >&2; exit 1; }

if cargo check --locked --quiet -p csbs-conformance --no-default-features 2> check.log; then
  echo "FAILED: the runner still builds after a request member was renamed in the spec" >&2
  exit 1
fi
if ! grep -q 'operation_type' check.log || ! grep -q 'conformance/src/fixtures.rs' check.log; then
  echo "FAILED: the runner's build broke, but not on the renamed member:" >&2
  cat check.log >&2
  exit 1
fi
grep -m1 -B1 -A3 'operation_type' check.log
echo "passed: the renamed member breaks the runner's build (conformance/src/fixtures.rs)"
