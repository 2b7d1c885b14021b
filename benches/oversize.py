"""Peak RSS of a sync whose first activity page is oversized.

Serves a local Strava stand-in (token, athlete, and page 1 as one chunked
body of SIZE MiB of activities, never closed with `]`), runs
`BINARY sync` against it under GNU time, and prints the exit code, the
wall time and the maximum resident set size. With MAX_PAGE_BYTES at its
default (64 MiB) the run must stop at the cap, whatever SIZE is.

    python3 benches/oversize.py BINARY SIZE_MIB [KEY=VALUE ...]
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACTIVITY = json.dumps({
    "id": 1, "name": "Ride", "distance": 40123.4, "moving_time": 5400,
    "elapsed_time": 6000, "type": "Ride", "sport_type": "Ride",
    "start_date": "2024-03-01T07:00:00Z", "start_date_local": "2024-03-01T07:00:00Z",
    "map": {"id": "a1", "summary_polyline": "abc" * 100},
}) + ","


class Strava(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    size = 0

    def log_message(self, *_):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer({"token_type": "Bearer", "access_token": "bench-access",
                     "expires_at": 4102444800, "expires_in": 21600,
                     "refresh_token": "bench-refresh"})

    def do_GET(self):
        if "/athlete/activities" not in self.path:
            self.answer({"id": 1, "firstname": "Bench"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = (ACTIVITY * ((1 << 20) // len(ACTIVITY))).encode()  # about 1 MiB
        sent = 0
        try:
            self.wfile.write(b"1\r\n[\r\n")
            while sent < self.size:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up: what a capped run does


def main():
    binary, size_mib = sys.argv[1], int(sys.argv[2])
    extra = dict(kv.split("=", 1) for kv in sys.argv[3:])
    Strava.size = size_mib << 20
    server = ThreadingHTTPServer(("127.0.0.1", 0), Strava)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as work:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "STRAVA_CLIENT_ID": "1", "STRAVA_CLIENT_SECRET": "bench",
            "STRAVA_REFRESH_TOKEN": "bench-refresh",
            "STRAVA_API_URL": f"{base}/api/v3", "STRAVA_OAUTH_URL": f"{base}/oauth",
            "WAREHOUSE": f"duckdb:{work}/strava.duckdb", "LOG_FORMAT": "json",
            "HTTP_RETRIES": "0", "HTTP_TIMEOUT_SECS": "600", "TMPDIR": work,
            **extra,
        }
        run = subprocess.run(["/usr/bin/time", "-v", binary, "sync"], env=env,
                             capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", run.stderr)
    errors = [l for l in run.stderr.splitlines() if '"severity":"ERROR"' in l]
    print(f"page of {size_mib} MiB: exit {run.returncode}, wall {wall.group(1)}, "
          f"peak RSS {int(rss.group(1)) // 1024} MiB")
    for line in errors:
        print("  " + json.loads(line)["message"][:200])


if __name__ == "__main__":
    main()
