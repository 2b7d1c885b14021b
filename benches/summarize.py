"""Turns the JSON lines benches/run.sh printed into README's table: the median
of the runs of each measurement, and the ratios the targets are stated in.

    python3 benches/summarize.py < results.jsonl
"""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        if "activities" in d:
            runs[(d["activities"], d["mode"])].append(d)


def median(n, mode, key):
    values = [d[key] for d in runs.get((n, mode), []) if key in d]
    return statistics.median(values) if values else float("nan")


print("| activities | transform act/s | plain serde floor act/s | Python reference act/s | transform vs Python | floor / transform | transform peak RSS | Python peak RSS | whole job s | whole job peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in sorted({n for n, _ in runs}):
    t, f, p = (median(n, m, "activities_per_second") for m in ("transform", "floor", "python"))
    job = "whole job (sync --from-raw, DuckDB, views)"
    print(f"| {n:,} | {t:,.0f} | {f:,.0f} | {p:,.0f} | {t / p:.1f}x | {f / t:.2f}x | "
          f"{median(n, 'transform', 'peak_rss_mb'):.0f} MB | {median(n, 'python', 'peak_rss_mb'):.0f} MB | "
          f"{median(n, job, 'seconds'):.2f} | {median(n, job, 'peak_rss_mb'):.0f} MB |")
