#!/usr/bin/env bash
# Interoperability check: the spec works in the generators other teams use, with their default
# settings. From spec/ alone it
#   1. generates clients with openapi-python-client and openapi-generator (`python`,
#      `typescript-fetch`) and types with openapi-typescript, each with 0 errors and 0 warnings;
#   2. reads every documented example and every live-shaped payload
#      (spec/tests/data/wire_shapes.json) with each of them: requests build into the generated
#      request models, responses decode, and what is read back equals what went in;
#   3. drives each client against the mock (a project each): list, create, show, update and
#      delete a policy; protect a server; list, count and show its backup; show quotas; list CBR
#      backups and show a restore point;
#   4. prints a table generator x check and exits 1 if any cell failed.
#
# Go and Java clients are not built here: their generated code needs modules (Go's
# gopkg.in/validator.v2, Maven artefacts) that cannot be fetched on these machines. The spec is
# kept free of the constructs that broke openapi-generator's Go client (a oneOf of an object
# and a string cannot take `{}`) and of the other generator-hostile forms by
# spec/tests/spec/portability.rs (run by `cargo test`), which names each rule.
#
# Tools are pinned (scripts/interop/requirements.txt, package.json, package-lock.json) and
# cached under target/interop-tools; a Java runtime is installed with apt-get when `java` is
# missing (openapi-generator-cli from PyPI ships the generator's jar, not a JVM). Needs Python 3
# with venv, Node.js with npm, and the Rust toolchain (the mock is built, or taken from
# CSBS_MOCK_BIN).
#
#   scripts/interop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
tools="$root/target/interop-tools"
work="$root/target/interop"
started=$(date +%s)
phase() { printf '\n-- %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }

phase "tools"
if ! command -v java >/dev/null 2>&1; then
  echo "no java: installing Debian's default-jre-headless"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
java -version 2>&1 | head -1
mkdir -p "$tools"
stamp() { cat "$@" | sha256sum | cut -c1-16; }
want="$(stamp scripts/interop/requirements.txt)"
if [ "$(cat "$tools/venv.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$tools/venv"
  if python3 -m venv "$tools/venv"; then
    "$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/interop/requirements.txt
  else
    # A Python without the venv module (ensurepip): the packages go into a folder of their own.
    rm -rf "$tools/venv" && mkdir -p "$tools/venv/bin"
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools/venv/site" \
      -r scripts/interop/requirements.txt
    ln -s "$tools/venv/site/bin/"* "$tools/venv/bin/"
    printf '#!/bin/sh\nPYTHONPATH="%s${PYTHONPATH:+:$PYTHONPATH}" exec python3 "$@"\n' \
      "$tools/venv/site" >"$tools/venv/bin/python" && chmod +x "$tools/venv/bin/python"
  fi
  echo "$want" >"$tools/venv.stamp"
fi
if [ -d "$tools/venv/site" ]; then export PYTHONPATH="$tools/venv/site${PYTHONPATH:+:$PYTHONPATH}"; fi
want="$(stamp scripts/interop/package.json scripts/interop/package-lock.json)"
if [ "$(cat "$tools/node.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$tools/node" && mkdir -p "$tools/node"
  cp scripts/interop/package.json scripts/interop/package-lock.json "$tools/node/"
  (cd "$tools/node" && npm ci --silent --no-audit --no-fund >/dev/null)
  echo "$want" >"$tools/node.stamp"
fi
python="$tools/venv/bin/python"
bin="$tools/node/node_modules/.bin"
export PATH="$tools/venv/bin:$PATH"   # openapi-python-client formats its output with ruff
"$python" -c 'from importlib.metadata import version as v; print("openapi-python-client", v("openapi-python-client"), "/ openapi-generator-cli", v("openapi-generator-cli"))'
echo "openapi-typescript $("$bin/openapi-typescript" --version 2>&1 | tail -1) / typescript $("$bin/tsc" --version)"

phase "generate"
rm -rf "$work" && mkdir -p "$work/gen"
results="$work/results-generate.json"
echo "[]" >"$results"
# One row per generator: the tool's exit status and every error or warning it printed.
record_generation() { # label, log files...
  local label="$1"; shift
  "$python" - "$results" "$label" "$@" <<'EOF'
import json, re, sys
path, label, logs = sys.argv[1], sys.argv[2], sys.argv[3:]
# openapi-generator prints this for any document, even one schema and one path (measured on
# a minimal document): it names nothing in the spec.
KNOWN = "Failed to get the schema name: null"
problems = []
for log in logs:
    text = open(log).read()
    if text.startswith("exit "):
        problems.append(f"{log.rsplit('/', 1)[1]}: {text.splitlines()[0]}")
    for line in text.splitlines():
        if re.search(r"\b(WARN|WARNING|ERROR|Error|Warning)\b", line) and KNOWN not in line:
            problems.append(f"{log.rsplit('/', 1)[1]}: {line.strip()}")
rows = json.load(open(path))
rows.append(dict(generator=label, check="generate (0 errors, 0 warnings)", ok=not problems,
                 detail="; ".join(problems)[:1500] or "0 errors, 0 warnings"))
json.dump(rows, open(path, "w"))
EOF
}
run_logged() { # log, command...
  local log="$1"; shift
  if "$@" >"$log.out" 2>&1; then cat "$log.out" >"$log"; else echo "exit $?" | cat - "$log.out" >"$log"; fi
  rm -f "$log.out"
}
for pair in csbs:csbs-v1 cbr:cbr-v3; do
  doc="${pair%%:*}" file="spec/${pair#*:}.yaml"
  run_logged "$work/gen/opc-$doc.log" openapi-python-client generate --path "$file" --output-path "$work/gen/opc-$doc"
  run_logged "$work/gen/ogpy-$doc.log" openapi-generator-cli generate -g python -i "$file" -o "$work/gen/ogpy-$doc" \
    --additional-properties "packageName=${doc}_ogpy"
  run_logged "$work/gen/ogts-$doc.log" openapi-generator-cli generate -g typescript-fetch -i "$file" -o "$work/gen/ogts-$doc"
  run_logged "$work/gen/ots-$doc.log" "$bin/openapi-typescript" "$file" -o "$work/gen/ots-$doc.ts"
done
record_generation "openapi-python-client" "$work"/gen/opc-*.log
record_generation "openapi-generator python" "$work"/gen/ogpy-*.log
record_generation "openapi-generator typescript-fetch" "$work"/gen/ogts-*.log
record_generation "openapi-typescript + openapi-fetch" "$work"/gen/ots-*.log

phase "cases and TypeScript compilation"
"$python" scripts/interop/cases.py "$root" "$work"
cp scripts/interop/drive.ts "$work/"
ln -sfn "$tools/node/node_modules" "$work/node_modules"
cat >"$work/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "es2022", "module": "commonjs", "moduleResolution": "node",
    "lib": ["es2022", "dom"], "types": ["node"], "strict": true, "esModuleInterop": true,
    "skipLibCheck": true, "outDir": "js", "rootDir": "."
  },
  "files": ["drive.ts"],
  "include": ["typed/*.ts"]
}
EOF
# tsc's errors are results (read by drive.ts), not a reason to stop: it still emits.
(cd "$work" && "$bin/tsc" -p tsconfig.json >tsc.log 2>&1) || true
echo "tsc: $(grep -c 'error TS' "$work/tsc.log" || true) errors"

phase "the mock"
source scripts/lib/mock.sh
start_mock "$work/mock.log" --seed-examples \
  --token interop-opc:interop-opc --token interop-ogpy:interop-ogpy \
  --token interop-ogts:interop-ogts --token interop-ots:interop-ots
endpoint="$MOCK_ENDPOINT"
echo "mock on $endpoint"

phase "Python clients"
"$python" scripts/interop/drive.py --gen "$work/gen" --cases "$work/cases.json" --endpoint "$endpoint" \
  --project "openapi-python-client=interop-opc:interop-opc" \
  --project "openapi-generator python=interop-ogpy:interop-ogpy" \
  --out "$work/results-python.json"

phase "TypeScript clients"
(cd "$work" && node js/drive.js cases.json "$endpoint" interop-ogts:interop-ogts interop-ots:interop-ots \
  tsc.log results-typescript.json)

phase "results"
"$python" scripts/interop/table.py "$work/results-generate.json" "$work/results-python.json" \
  "$work/results-typescript.json"
