#!/usr/bin/env bash
# Instructions per request of the mock, for each throughput bench binary given (see
# scripts/bench.sh for building one per commit): a figure that, unlike requests per second,
# does not move with the machine's load. Each binary runs once (BENCH_ROUNDS=1) under
# `valgrind --tool=callgrind` with instrumentation off, switched on only while `wrk` loads a
# mock path (the bare axum runs are not counted); the requests are the calls of
# `csbs_mock::handlers::handle` (one per request). Needs valgrind and wrk (Debian packages).
#   scripts/bench_instructions.sh /tmp/throughput-base /tmp/throughput-new
# Under heavy load `callgrind_control` can be too slow to catch a workload's run, whose line is
# then missing: run that binary again. BENCH_KEEP=DIR keeps the profiles there (one per
# workload: `callgrind_annotate FILE` shows where the instructions go).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BENCH_BINARY..." >&2; exit 2; }
for tool in valgrind callgrind_control callgrind_annotate wrk python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install valgrind wrk)" >&2; exit 2; }
done
if [ -n "${BENCH_KEEP:-}" ]; then
  work=$BENCH_KEEP
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

for bin in "$@"; do
  out="$work/$(basename "$bin")"
  BENCH_ROUNDS=1 valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out.cg" \
    "$bin" --bench >"$out.txt" 2>"$out.log" &
  vg=$!
  seen=""
  while kill -0 "$vg" 2>/dev/null; do
    w=$(pgrep -x -P "$vg" wrk | head -1 || true)
    if [ -n "$w" ] && [ "$w" != "$seen" ]; then
      seen=$w
      cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$w/cmdline" || true)
      case "$cmd" in
        */v1/*|*/v3/*) # a mock path (the bare handler's are /list/N and /create)
          label=$(echo "$cmd" | grep -o 'limit=[0-9]*' | head -1 || true)
          control() { callgrind_control "$@" "$vg" >/dev/null 2>&1; }
          control -z; control -i on
          while kill -0 "$w" 2>/dev/null; do sleep 0.02; done
          control -d "${label:-create}"; control -i off ;;
        *) while kill -0 "$w" 2>/dev/null; do sleep 0.02; done ;;
      esac
    fi
    sleep 0.02
  done
  wait "$vg" || { echo "$bin failed, see:" >&2; tail -5 "$out.log" >&2; exit 1; }
  python3 - "$bin" "$out.cg" <<'PY'
import glob, re, subprocess, sys
binary, base = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob(base + '.*'), key=lambda f: int(f.rsplit('.', 1)[1])):
    out = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--tree=caller', f],
                         capture_output=True, text=True).stdout
    total = int(re.search(r'^([\d,]+) \(100.0%\)\s+PROGRAM TOTALS', out, re.M).group(1).replace(',', ''))
    lines, requests = out.splitlines(), 0
    for i, line in enumerate(lines):
        if re.search(r'\*\s+\?\?\?:csbs_mock::handlers::handle \[', line):
            j = i - 1
            while j >= 0 and lines[j].strip():
                m = re.search(r'\(([\d,]+)x\)', lines[j])
                requests += int(m.group(1).replace(',', '')) if m else 0
                j -= 1
            break
    label = re.search(r'Trigger: dump (.*)', out).group(1)
    print(f'{binary}: {label:<9} {requests:>7} requests, {total / max(requests, 1):>8.0f} instructions/request')
PY
done
