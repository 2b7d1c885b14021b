#!/usr/bin/env bash
# The `report` command's time and file size (benches/README.md, "Report"):
#     bash benches/report.sh
# Generates (or reuses) synthetic histories with examples/generate_sample.rs,
# syncs each into a new DuckDB file, then times `report` 5 times each and
# prints the median seconds, each run's CPU seconds (user+sys: what a busy
# machine's wall clock hides), peak RSS and the HTML file's size.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR="${BENCH_DIR:-/tmp/strava-warehouse-bench}"
SIZES="${SIZES:-2000 200000}"
mkdir -p "$BENCH_DIR"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -q --bin strava-warehouse --example generate_sample
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$target_dir/release/strava-warehouse"
EX="$target_dir/release/examples"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm); $(date -u +%Y-%m-%d)"
for n in $SIZES; do
  pages="$BENCH_DIR/report-pages-$n"
  [ -f "$pages/athlete.json" ] || "$EX/generate_sample" --activities "$n" --out "$pages" 2>/dev/null
  db="$BENCH_DIR/report-$n.duckdb"
  rm -f "$db"
  "$BIN" sync --from-raw "$pages" --warehouse "duckdb:$db" >/dev/null 2>&1
  times=()
  cpus=()
  for i in 1 2 3 4 5; do
    start=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$BENCH_DIR/report-rss" "$BIN" report --warehouse "duckdb:$db" --out "$BENCH_DIR/report-$n.html" >/dev/null 2>&1
    end=$(date +%s.%N)
    times+=("$(python3 -c "print(f'{$end-$start:.3f}')")")
    cpus+=("$(awk '{printf "%.2f", $2+$3}' "$BENCH_DIR/report-rss")")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  size=$(stat -c %s "$BENCH_DIR/report-$n.html")
  rss=$(awk '{printf "%.0f", $1/1024}' "$BENCH_DIR/report-rss")
  echo "report, $n activities: median ${median} s of (${times[*]}), CPU user+sys (${cpus[*]}) s, peak RSS ${rss} MB, file $(python3 -c "print(f'{$size/1e6:.2f}')") MB, load $(cut -d' ' -f1 /proc/loadavg)"
done
