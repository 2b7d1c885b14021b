#!/usr/bin/env bash
# Reproduces every number in benches/README.md:
#     bash benches/run.sh
# Builds the release binary and the bench drivers, generates synthetic
# histories of 2,000, 20,000 and 200,000 activities, and measures the
# transform (against plain serde parsing and the Python reference), the whole
# job on the embedded default, start-up, and binary sizes. Needs python3 and
# GNU time (Debian package `time`); installs the Python reference's packages
# into a venv under $BENCH_DIR. The activity-file bench (FIT, GPX and TCX
# files of a generated export against the Python way) is separate, as its
# Python side takes about 35 minutes: bash benches/activity_files.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR="${BENCH_DIR:-/tmp/strava-warehouse-bench}"
SIZES="${SIZES:-2000 20000 200000}"
mkdir -p "$BENCH_DIR"

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if [ ! -x "$BENCH_DIR/venv/bin/python" ]; then
  python3 -m venv "$BENCH_DIR/venv"
  "$BENCH_DIR/venv/bin/pip" install -q pyarrow requests google-cloud-bigquery
fi
PY="$BENCH_DIR/venv/bin/python"

cargo build --release -q --bin strava-warehouse --example bench_transform --example generate_sample
target_dir="$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$target_dir/release/strava-warehouse"
EX="$target_dir/release/examples"
"$BIN" schema --format bigquery > "$BENCH_DIR/schema.json"

# Runs a command under GNU time; prints its JSON line plus peak RSS in MB.
measure() {
  local out
  out=$(/usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$@")
  "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); d["peak_rss_mb"]=int(open(sys.argv[2]).read().split()[-1])/1024; print(json.dumps(d))' "$out" "$BENCH_DIR/rss"
}

exec > >(tee "$BENCH_DIR/results.jsonl")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm); $(date -u +%Y-%m-%d)"
for n in $SIZES; do
  pages="$BENCH_DIR/pages-$n"
  [ -f "$pages/athlete.json" ] || "$EX/generate_sample" --activities "$n" --out "$pages" 2>/dev/null
  echo "== $n activities ($(du -sh "$pages" | cut -f1) of JSON)"
  for i in 1 2 3 4 5; do measure "$EX/bench_transform" transform "$pages" "$BENCH_DIR/rust-$n.parquet"; done
  for i in 1 2 3 4 5; do measure "$EX/bench_transform" floor "$pages"; done
  for i in 1 2 3 4 5; do measure "$PY" benches/reference_transform.py "$BENCH_DIR/schema.json" "$pages" "$BENCH_DIR/py-$n.parquet"; done
  for i in 1 2 3 4 5; do
    rm -f "$BENCH_DIR/job-$n.duckdb"
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$BIN" sync --from-raw "$pages" --warehouse "duckdb:$BENCH_DIR/job-$n.duckdb" >/dev/null 2>&1
    end=$(date +%s.%N)
    "$PY" -c 'import json,sys; print(json.dumps({"mode":"whole job (sync --from-raw, DuckDB, views)","activities":int(sys.argv[1]),"seconds":float(sys.argv[3])-float(sys.argv[2]),"peak_rss_mb":int(open(sys.argv[4]).read().split()[-1])/1024}))' "$n" "$start" "$end" "$BENCH_DIR/rss"
  done
done
echo "== start-up to first HTTP request"
"$PY" benches/startup.py 20 "$BIN"
echo "== binary sizes"
ls -l "$BIN" | awk '{printf "release binary, default features (links libduckdb.so, not counted): %.1f MB\n", $5/1e6}'
ls -lL "${DUCKDB_LIB_DIR:-.libduckdb/1.5.6}/libduckdb.so" | awk '{printf "libduckdb.so beside it: %.1f MB\n", $5/1e6}'
# Last, as it replaces the release binary in target/ (shared dependencies are reused).
cargo build --release -q --no-default-features --bin strava-warehouse
ls -l "$BIN" | awk '{printf "release binary, --no-default-features (the Cloud Run image): %.1f MB\n", $5/1e6}'
echo "== summary (medians)"
"$PY" benches/summarize.py < "$BENCH_DIR/results.jsonl"
