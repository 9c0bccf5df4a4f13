"""A loopback proxy that answers one path late: what the runner meets at a hanging endpoint.

Usage: python3 scripts/slow_proxy.py LISTEN_PORT UPSTREAM_PORT PATH_SUFFIX DELAY_SECONDS
Requests whose path (without query) ends with PATH_SUFFIX wait DELAY_SECONDS before they are
forwarded; everything else goes straight to http://127.0.0.1:UPSTREAM_PORT.
"""
import http.client
import http.server
import socketserver
import sys
import time

LISTEN, UPSTREAM, SUFFIX, DELAY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path.split("?")[0].endswith(SUFFIX):
            time.sleep(DELAY)
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        try:
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    do_GET = do_POST = do_PUT = do_DELETE = forward

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", LISTEN), Proxy).serve_forever()
