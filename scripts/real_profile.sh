#!/usr/bin/env bash
# The runner against a simulated real region: the standalone mock with the real-service
# profile (mock/profiles/real-service.yaml: backups take minutes, deletions tens of seconds,
# tens of milliseconds per request, a throttling gateway answering 429 APIGW.0308), and the
# runner as a user points it at a region: --allow-mutations --allow-restore --rate-limit N,
# two servers. Prints the wall time, where it went (each part, from the progress lines),
# requests, throttled answers, failures and the skips with their reasons.
#
# SCALE (default 0.1) multiplies the profile's lifecycle delays (backup, deletion, restore)
# and keeps their ratios, so that a run takes minutes rather than hours; the per-request
# latency and the gateway's budget stay as the profile says. SCALE=1 is the profile as is.
# Usage: scripts/real_profile.sh            (env: SCALE, RATE (runner's --rate-limit,
#        default 15), CASES (generated cases per operation and kind, default 20),
#        PORT (default 18561), BUILD (debug or release, default debug))
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-0.1}"
RATE="${RATE:-15}"
CASES="${CASES:-20}"
PORT="${PORT:-18561}"
BUILD="${BUILD:-debug}"
PROJECT="real-profile-project"
TOKEN="real-profile-token-$$"

if [ "$BUILD" = release ]; then flags=(--release); else flags=(); fi
cargo build "${flags[@]}" --quiet -p csbs-mock -p csbs-conformance
bin="./target/$BUILD"

work="$(mktemp -d)"
config="$work/profile.yaml"
# The profile with its lifecycle delays scaled (integer milliseconds).
awk -v scale="$SCALE" '/^(protect|delete|restore)_delay_ms:/ { printf "%s %d\n", $1, $2 * scale; next } { print }' \
  mock/profiles/real-service.yaml > "$config"

"$bin/csbs-mock" --listen "127.0.0.1:$PORT" --config "$config" --token "$TOKEN:$PROJECT" > "$work/mock.log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done

wait_for=$(awk -v scale="$SCALE" '/^protect_delay_ms:/ { printf "%d", $2 * scale * 3 / 1000 + 30 }' mock/profiles/real-service.yaml)
echo "profile: $(grep -E '^[a-z_]+:' "$config" | tr '\n' ' ')"
echo "runner: --rate-limit $RATE --cases $CASES --wait ${wait_for}s"
start=$(date +%s.%N)
rc=0
CSBS_TOKEN="$TOKEN" "$bin/csbs-conformance" --endpoint "http://127.0.0.1:$PORT" --project-id "$PROJECT" \
  --allow-mutations --allow-restore --rate-limit "$RATE" \
  --server-id 5e7e0001-c0f0-4a11-8000-000000000001 --server-id 5e7e0002-c0f0-4a11-8000-000000000002 \
  --cases "$CASES" --seed 1 --wait "${wait_for}s" --max-duration 2h --timeout 30s \
  --report "json=$work/report.json" > "$work/summary.txt" 2> "$work/progress.txt" || rc=$?
end=$(date +%s.%N)

python3 - "$work/report.json" "$work/progress.txt" "$(echo "$end - $start" | bc -l)" "$rc" <<'PY'
import json, re, sys, collections
report = json.load(open(sys.argv[1]))
wall, rc = float(sys.argv[3]), sys.argv[4]
print(f"wall time: {wall:.1f} s (exit code {rc})")
# Where the time went: each part from its first progress line to the next part's.
starts = []
for line in open(sys.argv[2]):
    m = re.match(r"\[\s*(\d+)s\] (\w+): (\d+) requests", line)
    if m and (not starts or starts[-1][1] != m.group(2)):
        starts.append((int(m.group(1)), m.group(2), int(m.group(3))))
for (t, part, n), (t2, _, n2) in zip(starts, starts[1:]):
    print(f"  {part:<11} {t2 - t:>5} s, {n2 - n:>5} requests")
# What was at work, sampled by the progress lines every 5 s (ids folded).
samples = collections.Counter()
for line in open(sys.argv[2]):
    m = re.search(r"\] (\w+): .*; at work: (.*)$", line.rstrip())
    if m:
        what = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}", "<id>", m.group(2))
        samples[f"{m.group(1)}: {what}"] += 1
print("at work in the 5-second samples (about 5 s each):")
for what, n in samples.most_common(12):
    print(f"  {n:>4} x {what[:150]}")
print(f"requests: {report['requests']}")
th = report["throttling"]
print(f"throttled answers (429): {th['answered_429']}, requests that gave up: {th['gave_up']}")
failures = [r for r in report["results"] if not r["passed"]]
print(f"failures: {len(failures)}")
for r in failures[:20]:
    print(f"  {r['operation']} {r['check']}: {r['case']}: {(r.get('failure') or {}).get('message', '')[:160]}")
skips = collections.Counter(s["reason"] for s in report["skipped"])
print(f"skips: {len(report['skipped'])}")
for reason, n in skips.most_common():
    print(f"  {n:>3} x {reason[:200]}")
waits = [s for s in report["skipped"] if re.search(r"within|settle|still|wait", s["reason"])]
print(f"skips that name a wait: {len(waits)}")
# Valid generated cases reach real objects only when the pools' backups settled in time.
rows = ", ".join(f"{p['operation']} {p['valid_2xx']}/{p['valid']}" for p in report["properties"])
print(f"generated valid cases answered 2xx: {rows}")
notes = [n for n in report["notes"] if re.search(r"settle|within|still", n)]
print(f"notes that name a wait: {len(notes)}")
for n in notes[:10]:
    print(f"  {n[:200]}")
left = report["cleanup"]["left_behind"]
print(f"cleanup: {len(report['cleanup']['deleted'])} deleted, {len(left)} left behind")
PY
