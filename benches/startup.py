"""Start-up time: from spawning a process to its first HTTP request arriving
on a local socket. For strava-warehouse that first request is the token
refresh; for the Python reference it is the same POST made after importing
the clients the peers import (requests, pyarrow, google-cloud-bigquery).

    python3 startup.py RUNS BINARY
Prints one JSON line per program with the median and min milliseconds.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

PY_REFERENCE = (
    "import requests, pyarrow, pyarrow.parquet\n"
    "from google.cloud import bigquery\n"
    "import os\n"
    "requests.post(os.environ['STRAVA_OAUTH_URL'] + '/token', data={'grant_type': 'refresh_token'}, timeout=5)\n"
)


def first_request_ms(argv, env):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    env = dict(env, STRAVA_OAUTH_URL=f"http://127.0.0.1:{port}/oauth")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server.settimeout(30)
    conn, _ = server.accept()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    server.close()
    proc.kill()
    proc.wait()
    return elapsed


def main():
    runs, binary = int(sys.argv[1]), sys.argv[2]
    base = {
        "PATH": os.environ.get("PATH", ""),
        "STRAVA_CLIENT_ID": "1",
        "STRAVA_CLIENT_SECRET": "bench-not-a-secret",
        "STRAVA_REFRESH_TOKEN": "bench-not-a-token",
        "WAREHOUSE": "duckdb:/tmp/strava-warehouse-startup-bench.duckdb",
        "HTTP_RETRIES": "0",
    }
    programs = {
        "strava-warehouse sync": [binary, "sync"],
        "python reference (requests, pyarrow, google-cloud-bigquery)": [sys.executable, "-c", PY_REFERENCE],
    }
    for name, argv in programs.items():
        times = [first_request_ms(argv, base) for _ in range(runs)]
        print(json.dumps({"program": name, "runs": runs, "median_ms": statistics.median(times),
                          "min_ms": min(times)}))


if __name__ == "__main__":
    main()
