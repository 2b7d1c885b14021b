#!/usr/bin/env bash
# Reproduces benches/README.md's "Activity files" table:
#     BIN=target/release/strava-warehouse bash benches/activity_files.sh
# Generates a ten-year export of N activity files once (cached under
# $BENCH_DIR; benches/generate_activity_export.py, about 8 minutes on 2 cores,
# fit-tool being slow), then measures under GNU time (wall, CPU, peak RSS):
#   - `strava-warehouse sync --from-export` into a new DuckDB file, no Strava
#     credentials in the environment (it loads the export alone), RUNS times,
#     on all N files and on the first SMALL activities (the "typical export");
#   - benches/reference_activity_files.py, the Python way, once on all N
#     (about 33 minutes of CPU at 3,000 files; PYTHON=0 skips it, and
#     PYTHON_SMALL=1 also runs it on the SMALL export);
# and checks with benches/compare_activity_files.py that both computed the
# same rows. Takes the binary from $BIN, else builds it like run.sh. Results
# go to $BENCH_DIR/activity-files.jsonl; the last lines are the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR="${BENCH_DIR:-/tmp/strava-warehouse-bench}"
N="${N:-3000}"
SMALL="${SMALL:-2000}"
RUNS="${RUNS:-3}"
PYTHON="${PYTHON:-1}"
PYTHON_SMALL="${PYTHON_SMALL:-0}"
mkdir -p "$BENCH_DIR"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
VENV="$BENCH_DIR/venv-files"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q fit-tool==0.9.16 fitdecode==0.11.0 gpxpy==1.6.2 numpy==2.4.6 \
    pyarrow==26.0.1 duckdb==1.5.6
fi
PY="$VENV/bin/python"

if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin strava-warehouse
  target_dir="$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  BIN="$target_dir/release/strava-warehouse"
fi

EXPORT="$BENCH_DIR/activity-export-$N"
[ -f "$EXPORT/activities.csv" ] || "$PY" benches/generate_activity_export.py "$EXPORT" --activities "$N" --distinct "${DISTINCT:-24}"
# The first SMALL activities: the CSV's first rows, their files hard-linked
# (the job refuses symbolic links in a folder export).
FIRST="$BENCH_DIR/activity-export-$N-first-$SMALL"
if [ ! -f "$FIRST/activities.csv" ]; then
  rm -rf "$FIRST" && mkdir -p "$FIRST/activities"
  "$PY" - "$EXPORT" "$FIRST" "$SMALL" <<'EOF'
import csv, os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(os.path.join(src, "activities.csv"), newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))[: n + 1]
with open(os.path.join(dst, "activities.csv"), "w", newline="", encoding="utf-8") as f:
    csv.writer(f, lineterminator="\n").writerows(rows)
col = rows[0].index("Filename")
for r in rows[1:]:
    os.link(os.path.join(src, r[col]), os.path.join(dst, r[col]))
EOF
  cp "$EXPORT/athlete-settings.toml" "$FIRST/"
fi

OUT="$BENCH_DIR/activity-files.jsonl"
exec > >(tee "$OUT")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm); $(date -u +%Y-%m-%dT%H:%MZ); binary $BIN"

# One line of JSON from GNU time's output file: wall, CPU (user + sys), peak RSS.
timed() {
  "$PY" -c '
import json, sys
wall, user, sys_, rss = open(sys.argv[1]).read().split()[-4:]
d = json.loads(sys.argv[2])
d.update(wall_s=float(wall), cpu_s=round(float(user) + float(sys_), 2), peak_rss_mb=round(int(rss) / 1024),
         loadavg=open("/proc/loadavg").read().split()[:3])
print(json.dumps(d))' "$BENCH_DIR/files-time" "$1"
}

# Rust: the whole sync of the export (CSV, files, DuckDB load, views).
rust() {
  local export=$1 db="$BENCH_DIR/activity-files.duckdb" log="$BENCH_DIR/activity-files-rust.log"
  rm -f "$db" "$db.wal"
  env -u STRAVA_CLIENT_ID -u STRAVA_CLIENT_SECRET -u STRAVA_REFRESH_TOKEN \
    /usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/files-time" \
    "$BIN" sync --from-export "$export" --warehouse "duckdb:$db" \
    --athlete-settings "$export/athlete-settings.toml" >"$log.out" 2>"$log"
  # Phases from the log's timestamps: CSV read -> files read -> finished.
  local extra
  extra=$("$PY" - "$log" "$log.out" "$db" <<'EOF'
import json, sys
from datetime import datetime
import duckdb
at = {}
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = datetime.fromisoformat(m["time"][:26])
    for key, marker in (("csv", "activities from the Strava export"), ("files", "activity files of the export"), ("done", "sync finished")):
        if marker in m.get("message", ""):
            at[key] = t
summary = [l.strip() for l in open(sys.argv[2]) if l.startswith("Activity files")]
con = duckdb.connect(sys.argv[3], read_only=True)
files, records = con.execute("SELECT count(*), sum(samples) FROM activity_streams").fetchone()
print(json.dumps({"files": files, "records": int(records or 0),
                  "files_phase_s": round((at["files"] - at["csv"]).total_seconds(), 2),
                  "load_and_views_s": round((at["done"] - at["files"]).total_seconds(), 2),
                  "says": summary[0] if summary else None}))
EOF
)
  timed "$("$PY" -c 'import json,sys; d=json.loads(sys.argv[2]); print(json.dumps({"mode":"rust","export":sys.argv[1],**d}))' "$(basename "$export")" "$extra")"
}

python_ref() {
  local export=$1 out
  out=$(/usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/files-time" \
    "$PY" benches/reference_activity_files.py "$export" "$export/athlete-settings.toml" "$BENCH_DIR/py-$(basename "$export")")
  timed "$("$PY" -c 'import json,sys; d=json.loads(sys.argv[2]); d["export"]=sys.argv[1]; d["mode"]="python"; print(json.dumps(d))' "$(basename "$export")" "$out")"
}

status=0
for i in $(seq "$RUNS"); do rust "$FIRST"; done
for i in $(seq "$RUNS"); do rust "$EXPORT"; done
if [ "$PYTHON" = 1 ]; then
  python_ref "$EXPORT"
  echo "== rows, Rust (last run, $N files) against Python"
  "$PY" benches/compare_activity_files.py "$BENCH_DIR/activity-files.duckdb" "$BENCH_DIR/py-$(basename "$EXPORT")" || status=1
fi
if [ "$PYTHON_SMALL" = 1 ]; then
  rust "$FIRST"
  python_ref "$FIRST"
  "$PY" benches/compare_activity_files.py "$BENCH_DIR/activity-files.duckdb" "$BENCH_DIR/py-$(basename "$FIRST")" || status=1
fi

echo "== summary (Rust: median of $RUNS by wall time)"
"$PY" - "$OUT" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and '"mode"' in l]
for export in dict.fromkeys(r["export"] for r in rows):
    rust = sorted((r for r in rows if r["export"] == export and r["mode"] == "rust"), key=lambda r: r["wall_s"])
    py = [r for r in rows if r["export"] == export and r["mode"] == "python"]
    if not rust:
        continue
    m = rust[len(rust) // 2]
    line = {"summary": export, "files": m["files"], "records": m["records"], "rust_wall_s": m["wall_s"],
            "rust_walls": [r["wall_s"] for r in rust], "rust_cpu_s": m["cpu_s"],
            "rust_peak_rss_mb": max(r["peak_rss_mb"] for r in rust)}
    if py:
        p = py[-1]
        line.update(python_wall_s=p["wall_s"], python_cpu_s=p["cpu_s"], python_peak_rss_mb=p["peak_rss_mb"],
                    wall_ratio=round(p["wall_s"] / m["wall_s"], 1), cpu_ratio=round(p["cpu_s"] / m["cpu_s"], 1))
    print(json.dumps(line))
EOF
exit "$status"
