#!/usr/bin/env bash
# Hostile traffic against the release mock, at full size (the cases of
# mock/tests/mock/bounds.rs): per case the answer's size and time, the time of a normal request
# sent meanwhile, and at the end the mock's peak RSS (VmHWM) against RSS_BOUND_MB (default 1024).
# Loopback only. Usage: scripts/hostile.sh   (PORT, RSS_BOUND_MB, MOCK_BIN to override)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-18523}"
RSS_BOUND_MB="${RSS_BOUND_MB:-1024}"
MOCK_BIN="${MOCK_BIN:-target/release/csbs-mock}"
[ -x "$MOCK_BIN" ] || cargo build --quiet --release -p csbs-mock

"$MOCK_BIN" --listen "127.0.0.1:$PORT" --token secret:p-hostile --config <(printf 'quotas: {backups: -1}\n') \
  --header-timeout-ms 2000 --body-timeout-ms 3000 --idle-timeout-ms 4000 --max-connections 512 \
  >/tmp/hostile-mock.out 2>/tmp/hostile-mock.log &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
  sleep 0.1
done

MOCK_PID="$mock_pid" PORT="$PORT" RSS_BOUND_MB="$RSS_BOUND_MB" python3 - <<'PY'
import concurrent.futures, http.client, json, os, socket, threading, time

PORT, PID = int(os.environ["PORT"]), os.environ["MOCK_PID"]
BASE = "/v1/p-hostile"

def rss_mb(key):
    for line in open(f"/proc/{PID}/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

def request(method, path, body=None, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    h = {"X-Auth-Token": "secret", "Content-Type": "application/json", **(headers or {})}
    start = time.time()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data, time.time() - start

def normal():
    """A normal GET; its status and seconds, or the error."""
    try:
        status, _, took = request("GET", BASE + "/quotas", timeout=30)
        return f"{status} in {took * 1000:.0f} ms"
    except Exception as e:
        return f"failed: {e}"

def meanwhile(work, label):
    """Runs work() in threads while a normal request is sent after 0.3 s."""
    threads = [threading.Thread(target=w) for w in work]
    for t in threads: t.start()
    time.sleep(0.3)
    seen = normal()
    for t in threads: t.join()
    print(f"  normal request meanwhile: {seen}")

def policy(resources, description="d"):
    return json.dumps({"policy": {"name": f"p{time.time_ns()}", "description": description,
        "provider_id": "fc4d5750-22e7-4798-8a46-f48f62c4c1da", "parameters": {"common": {}},
        "resources": resources, "scheduled_operations": [{"name": "w", "enabled": True,
        "operation_type": "backup", "operation_definition": {"max_backups": 5},
        "trigger": {"properties": {"pattern": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"}}}]}})

print(f"idle RSS: {rss_mb('VmRSS'):.0f} MB")

print("1. amplification: three createPolicy at once, each 1,000,000 {} resources (4 MB)")
body = '{"policy": {"name": "big", "provider_id": "x", "parameters": {"common": {}}, "scheduled_operations": [], "resources": [' + ",".join(["{}"] * 1_000_000) + "]}}"
def amplify():
    status, data, took = request("POST", BASE + "/policies", body)
    print(f"  {status}, {len(data)} bytes in {took:.2f} s")
meanwhile([amplify] * 3, "amplification")

print("2. a 10 MB description")
status, data, took = request("POST", BASE + "/policies", policy([], "d" * 10 * 1024 * 1024))
print(f"  {status}, {len(data)} bytes in {took:.2f} s")

print("3. 100 signed requests of an unknown access key announcing 10 MB bodies")
def unknown_signer(results):
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall((f"POST {BASE}/policies HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
               "X-Sdk-Date: 20261206T000000Z\r\nAuthorization: SDK-HMAC-SHA256 Access=nobody, "
               "SignedHeaders=host;x-sdk-date, Signature=00\r\n\r\n").encode())
    start = time.time()
    s.settimeout(30)
    head = s.recv(12)
    results.append((head, time.time() - start))
    s.close()
results = []
meanwhile([lambda: unknown_signer(results)] * 100, "unknown signers")
print(f"  answers: {sorted(set(h.decode() for h, _ in results))}, slowest {max(t for _, t in results) * 1000:.0f} ms")

def held(count, payload, label):
    """count connections sending payload then stalling; how many the mock closed, and when."""
    def open_one(_):
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
            if payload: s.sendall(payload)
            return s
        except OSError:
            return None
    opening = time.time()
    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        socks = [s for s in pool.map(open_one, range(count)) if s]
    start = time.time()
    print(f"  {len(socks)} open (in {start - opening:.1f} s); normal request meanwhile: {normal()}")
    closed = []
    def wait(s):
        s.settimeout(30)
        try:
            while s.recv(65536): pass
        except OSError:
            pass
        closed.append(time.time() - start)
    threads = [threading.Thread(target=wait, args=(s,)) for s in socks]
    for t in threads: t.start()
    for t in threads: t.join()
    print(f"  all {len(closed)} closed by the mock, the last after {max(closed):.1f} s")

print("4. 400 slow heads (header timeout 2 s)")
held(400, f"GET {BASE}/quotas HTTP/1.1\r\nHost: x\r\n".encode(), "slow heads")
print("5. 400 stalled bodies (body timeout 3 s)")
held(400, f"POST {BASE}/policies HTTP/1.1\r\nHost: x\r\nX-Auth-Token: secret\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{".encode(), "stalled bodies")
print("6. 400 connections that send nothing (closed at the header timeout, 2 s, before the idle timeout, 4 s)")
held(400, b"", "idle")
print("7. 600 slow heads, beyond the connection limit of 512 (the rest wait; the normal request too, about the header timeout)")
held(600, f"GET {BASE}/quotas HTTP/1.1\r\nHost: x\r\n".encode(), "beyond the limit")

print("8. a policy of 50,000 servers, created, then run three times")
servers = [{"id": f"srv-{i:05}", "type": "OS::Nova::Server", "name": f"s{i}"} for i in range(50_000)]
status, data, took = request("POST", BASE + "/policies", policy(servers))
plan = json.loads(data)["policy"]["id"]
print(f"  create: {status}, {len(data)} bytes in {took:.2f} s")
def run():
    status, data, took = request("POST", BASE + "/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/checkpoints",
                                 json.dumps({"checkpoint": {"plan_id": plan, "parameters": {}}}))
    print(f"  run: {status}, {len(data)} bytes in {took:.2f} s")
for _ in range(3):
    meanwhile([run], "policy run")

peak = rss_mb("VmHWM")
bound = float(os.environ["RSS_BOUND_MB"])
print(f"peak RSS {peak:.0f} MB (bound {bound:.0f} MB): {'within' if peak <= bound else 'OVER'}; RSS now {rss_mb('VmRSS'):.0f} MB")
PY
