#!/usr/bin/env bash
# The mock's container image: with a container engine (docker), build the Dockerfile and run
# it, asking its health and the API through the published port; without one, check the
# Dockerfile's syntax with the official parser (PyPI `dockerfile`, the Go parser BuildKit uses)
# and that every stage and file it names exists.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker info >/dev/null 2>&1; then
  docker build -t csbs-mock:ci .
  name="csbs-mock-ci-$$"
  trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
  docker run -d --name "$name" -p 127.0.0.1::8080 csbs-mock:ci --token ci:ci-project --state /data/state.sqlite >/dev/null
  port="$(docker port "$name" 8080/tcp | head -n 1 | sed 's/.*://')"
  for _ in $(seq 50); do
    if curl -fsS "http://127.0.0.1:$port/_mock/health" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/_mock/ready"; echo
  curl -fsS -H 'X-Auth-Token: ci' "http://127.0.0.1:$port/v1/ci-project/policies"; echo
  echo "container: built and served"
  exit 0
fi

echo "no container engine: checking the Dockerfile's syntax only"
python3 -m pip install --quiet --disable-pip-version-check 'dockerfile==3.4.0'
python3 - <<'PY'
import os, sys
import dockerfile

commands = dockerfile.parse_file("Dockerfile")
stages, problems = set(), []
if not commands or commands[0].cmd != "FROM":
    problems.append("the first instruction is not FROM")
for c in commands:
    if c.cmd == "FROM":
        if len(c.value) == 3 and c.value[1].upper() == "AS":
            stages.add(c.value[2])
    elif c.cmd == "COPY":
        source_stage = next((f.split("=", 1)[1] for f in c.flags if f.startswith("--from=")), None)
        if source_stage is not None:
            if source_stage not in stages:
                problems.append(f"line {c.start_line}: COPY --from={source_stage} names no earlier stage")
        else:
            for source in c.value[:-1]:
                if source != "." and not os.path.exists(source):
                    problems.append(f"line {c.start_line}: COPY source {source} does not exist")
if not any(c.cmd == "ENTRYPOINT" for c in commands):
    problems.append("no ENTRYPOINT")
for p in problems:
    print("Dockerfile:", p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"Dockerfile: {len(commands)} instructions, stages {sorted(stages)}: parsed and checked")
PY
