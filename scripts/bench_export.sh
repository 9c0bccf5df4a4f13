#!/usr/bin/env bash
# How long writers wait while the state is exported: a project of RUNS x 20,000 backups (runs
# of a 20,000-server policy), then two clients protect servers of the same project back to back
# while NEXP exports (GET /_mock/state) run at once (the attack of issue 23's B12). For each
# binary given, alternately ROUNDS times: the export's size and time, the writers' longest and
# p99 wait during the exports, and their longest wait before them (the load's noise floor).
# In memory, loopback only; not a test (no thresholds).
# Usage: scripts/bench_export.sh BEFORE_BIN AFTER_BIN   (RUNS=3, NEXP=4, ROUNDS=2)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MOCK_BIN [MOCK_BIN...]" >&2; exit 2; }
python3 - "$@" <<'PY'
import sys, json, time, threading, http.client, subprocess, socket, os, tempfile, statistics
PROV = "fc4d5750-22e7-4798-8a46-f48f62c4c1da"; H = {"X-Auth-Token": "secret", "Content-Type": "application/json"}
RUNS, NEXP, ROUNDS = int(os.environ.get("RUNS", 3)), int(os.environ.get("NEXP", 4)), int(os.environ.get("ROUNDS", 2))
import atexit, shutil
work = tempfile.mkdtemp(); atexit.register(shutil.rmtree, work, True); cfg = os.path.join(work, "c.yaml"); open(cfg, "w").write("quotas: {backups: -1}\n")
def measure(binary, port):
    p = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--token", "secret:proj", "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try: socket.create_connection(("127.0.0.1", port), 0.2).close(); break
        except OSError: time.sleep(0.05)
    def call(m, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300); t = time.time(); c.request(m, path, body=body, headers=H); r = c.getresponse(); d = r.read(); return r.status, d, time.time() - t
    try:
        st, d, _ = call("POST", "/v1/proj/policies", json.dumps({"policy": {"name": "big", "description": "", "parameters": {"common": {}}, "provider_id": PROV,
            "resources": [{"id": f"bs-{i}", "type": "OS::Nova::Server", "name": "x"} for i in range(20000)],
            "scheduled_operations": [{"name": "o", "description": "", "enabled": False, "operation_type": "backup", "operation_definition": {"max_backups": -1},
            "trigger": {"properties": {"pattern": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=3;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"}}}]}}))
        pid_ = json.loads(d)["policy"]["id"]
        for i in range(RUNS): assert call("POST", f"/v1/proj/providers/{PROV}/checkpoints", json.dumps({"checkpoint": {"plan_id": pid_, "parameters": {}}}))[0] == 200
        stop = threading.Event(); lat = []
        def writer(w):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=300); i = 0
            while not stop.is_set():
                i += 1; t = time.time(); c.request("POST", f"/v1/proj/providers/{PROV}/resources/w{w}-{i}/action", body='{"protect":{}}', headers=H); c.getresponse().read(); lat.append(time.time() - t)
        ws = [threading.Thread(target=writer, args=(w,)) for w in range(2)]; [x.start() for x in ws]
        time.sleep(0.5); idle = max(lat) if lat else 0; lat.clear()
        res = []
        def exp():
            st, d, took = call("GET", "/_mock/state"); res.append((st, len(d), took))
        t = time.time(); es = [threading.Thread(target=exp) for _ in range(NEXP)]; [x.start() for x in es]; [x.join() for x in es]; total = time.time() - t
        stop.set(); [x.join() for x in ws]
        return {"bytes": res[0][1], "export_s": statistics.median(r[2] for r in res), "all_s": total, "writes": len(lat), "worst_ms": max(lat) * 1000, "p99_ms": sorted(lat)[int(len(lat) * .99)] * 1000, "idle_worst_ms": idle * 1000}
    finally:
        p.kill(); p.wait()
bins = sys.argv[1:]; out = {b: [] for b in bins}
for r in range(ROUNDS):
    for i, b in enumerate(bins):
        out[b].append(measure(b, 18700 + i)); print(b, out[b][-1], flush=True)
for b in bins:
    med = {k: statistics.median(x[k] for x in out[b]) for k in out[b][0]}
    print(f"{b}: median over {ROUNDS}: " + ", ".join(f"{k} {v:.1f}" for k, v in med.items()))
PY
