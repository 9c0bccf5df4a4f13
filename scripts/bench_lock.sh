#!/usr/bin/env bash
# How long a normal GET waits while a big request is in flight: createPolicy and updatePolicy
# of a 50,000-server policy, and executePolicy of it. Two readers, each a process sending GETs
# back to back: one of the big request's project ("same"), one of another project ("other";
# with STATE=1 the run's state-file write is what it must not wait for).
# For each binary given (e.g. one built before a change and one after), run alternately
# ROUNDS times: the idle GET latency, then per big request the GETs sent back to back while it
# runs (count, median, max) and the big request's own time. Prints figures and, with two
# binaries, the ratios of the second to the first. Loopback only; not a test (no thresholds).
# Usage: scripts/bench_lock.sh BEFORE_BIN AFTER_BIN   (ROUNDS=3, SERVERS=50000, STATE=1 for --state)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 MOCK_BIN [MOCK_BIN...]" >&2; exit 2; }
ROUNDS="${ROUNDS:-3}" SERVERS="${SERVERS:-50000}" STATE="${STATE:-}" python3 - "$@" <<'PY'
import http.client, json, multiprocessing, os, re, socket, statistics, subprocess, sys, tempfile, threading, time

ROUNDS, SERVERS, STATE = int(os.environ["ROUNDS"]), int(os.environ["SERVERS"]), os.environ["STATE"]
BASE = "/v1/p-bench"
OTHER_BASE = "/v1/p-other"
PROVIDER = "fc4d5750-22e7-4798-8a46-f48f62c4c1da"
PATTERN = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

WORK = tempfile.mkdtemp(prefix="bench-lock-")
CONFIG = os.path.join(WORK, "config.yaml")
with open(CONFIG, "w") as f:
    f.write("quotas: {backups: -1}\n")

def start(binary, port):
    """The mock, started; with STATE, on a fresh state file in WORK (a run writes ~80 MB)."""
    args = [binary, "--listen", f"127.0.0.1:{port}", "--token", "secret:p-bench",
            "--token", "other-secret:p-other", "--config", CONFIG]
    if STATE:
        for name in os.listdir(WORK):
            if name.startswith("state"):
                os.remove(os.path.join(WORK, name))
        args += ["--state", os.path.join(WORK, "state.db")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return proc
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{binary} did not start")

class Client:
    def __init__(self, port, token="secret"):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.token = token
    def send(self, method, path, body=None, parse=True):
        """The answer (parsed, or with parse=False the first "id" in it) and its seconds."""
        start = time.perf_counter()
        self.c.request(method, path, body=body, headers={"X-Auth-Token": self.token, "Content-Type": "application/json"})
        r = self.c.getresponse(); data = r.read()
        took = time.perf_counter() - start
        assert r.status == 200, (method, path, r.status, data[:300])
        if not parse:
            return re.search(rb'"id":"([^"]+)"', data).group(1).decode(), took
        return json.loads(data) if data else None, took

def policy(name, prefix):
    resources = [{"id": f"{prefix}-{i}", "type": "OS::Nova::Server", "name": f"n{i}"} for i in range(SERVERS)]
    return json.dumps({"policy": {"name": name, "description": "d", "provider_id": PROVIDER,
        "parameters": {"common": {}}, "resources": resources, "scheduled_operations": [{
        "name": "w", "enabled": True, "operation_type": "backup",
        "operation_definition": {"max_backups": 5}, "trigger": {"properties": {"pattern": PATTERN}}}]}})

def reader(port, path, token, started, done, out):
    """GETs of path back to back until done is set; their latencies go to out."""
    got, seen = Client(port, token), []
    started.set()
    while not done.is_set():
        seen.append(got.send("GET", path)[1])
    out.send(seen)

def during(port, big):
    """Runs big() while two other processes send GETs of a small policy back to back, one of
    the same project and one of another (processes, so that this one's work on the big bodies
    does not hold the reads up); their latencies, and big's time."""
    done, readers = multiprocessing.Event(), []
    for path, token in [(SMALL, "secret"), (OTHER, "other-secret")]:
        started = multiprocessing.Event()
        theirs, ours = multiprocessing.Pipe()
        p = multiprocessing.Process(target=reader, args=(port, path, token, started, done, theirs))
        p.start(); started.wait(); readers.append((p, ours))
    start = time.perf_counter()
    big(); took = time.perf_counter() - start
    done.set(); seen = [ours.recv() for _, ours in readers]
    for p, _ in readers: p.join()
    return seen, took

def measure(binary, port, n):
    global SMALL, OTHER
    proc = start(binary, port)
    try:
        c = Client(port)
        small, _ = c.send("POST", BASE + "/policies", policy_small())
        SMALL = BASE + "/policies/" + small["policy"]["id"]
        other, _ = Client(port, "other-secret").send("POST", OTHER_BASE + "/policies", policy_small())
        OTHER = OTHER_BASE + "/policies/" + other["policy"]["id"]
        idle = [c.send("GET", SMALL)[1] for _ in range(200)]
        out = {"idle": (len(idle), statistics.median(idle), p99(idle), max(idle), 0.0)}
        ids = []
        body_a = policy(f"big{n}", "a")
        body_b = json.dumps({"policy": {"resources": json.loads(policy(f"b{n}", "b"))["policy"]["resources"]}})
        # Answers of the big requests are read but not parsed here (the create's ID aside).
        def create(): ids.append(c.send("POST", BASE + "/policies", body_a, parse=False)[0])
        def update(): c.send("PUT", BASE + "/policies/" + ids[0], body_b, parse=False)
        def run():
            run = json.dumps({"checkpoint": {"plan_id": ids[0], "parameters": {}}})
            c.send("POST", f"{BASE}/providers/{PROVIDER}/checkpoints", run, parse=False)
        for label, big in [("create", create), ("update", update), ("run", run), ("run again", run)]:
            (same, other), took = during(port, big)
            for suffix, seen in [("", same), (" (other)", other)]:
                out[label + suffix] = (len(seen), statistics.median(seen), p99(seen), max(seen), took)
        return out
    finally:
        proc.kill(); proc.wait()

def p99(values):
    return sorted(values)[int(len(values) * 0.99)]

def policy_small():
    global SERVERS
    keep, SERVERS = SERVERS, 1
    try: return policy("small", "s")
    finally: SERVERS = keep

import atexit, shutil
atexit.register(shutil.rmtree, WORK, True)
bins = sys.argv[1:]
results = {b: [] for b in bins}
for n in range(ROUNDS):
    for i, b in enumerate(bins):
        results[b].append(measure(b, 18600 + i, n))
labels = ["idle"] + [l + s for l in ["create", "update", "run", "run again"] for s in ["", " (other)"]]
print(f"{SERVERS} servers, {ROUNDS} rounds alternately, {'--state' if STATE else 'in memory'}; "
      "GET showPolicy of a small policy sent back to back while the big request runs")
for b in bins:
    print(f"\n{b}")
    print(f"  {'while':18} {'GETs':>6} {'median ms':>10} {'p99 ms':>8} {'max ms':>9} {'big s':>7}   (medians over rounds)")
    for l in labels:
        rows = [r[l] for r in results[b]]
        n, med, p, mx, took = (statistics.median(r[k] for r in rows) for k in range(5))
        print(f"  {l:18} {n:6.0f} {med*1000:10.2f} {p*1000:8.1f} {mx*1000:9.1f} {took:7.2f}")
if len(bins) == 2:
    a, b = bins
    print(f"\nratios second / first (GET waits; GETs answered while the big request ran; its time)")
    for l in labels[1:]:
        med = lambda b, k: statistics.median(r[l][k] for r in results[b])
        print(f"  {l:18} p99 {med(b, 2) / med(a, 2):6.3f}   max {med(b, 3) / med(a, 3):6.3f}   "
              f"GETs answered {med(b, 0) / max(med(a, 0), 1):5.2f}x   big request {med(b, 4) / med(a, 4):6.3f}")
PY
