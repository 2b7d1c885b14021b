"""Checks that the Rust job and the Python reference computed the same rows,
for `benches/activity_files.sh`: row counts of the four tables must be equal,
and every shared value must agree within TOLERANCE (relative, or absolute
near zero: the two sum floating-point numbers in different orders).

    python compare_activity_files.py WAREHOUSE.duckdb PY_OUT_DIR

Prints one JSON line (counts, largest differences, a few spot checks) and
exits 1 when anything disagrees.
"""

import json
import os
import sys

import duckdb

TOLERANCE = 1e-6
KEYS = {
    "activity_streams": ["activity_id"],
    "power_curve": ["activity_id", "duration_s"],
    "best_efforts": ["activity_id", "distance_m"],
    "time_in_zones": ["activity_id", "kind", "zone"],
}
VALUES = {
    "activity_streams": ["samples", "recorded_s", "moving_s", "avg_power_w", "normalized_power_w",
                         "max_power_w", "work_kj", "avg_heartrate", "efficiency_factor",
                         "aerobic_decoupling_pct"],
    "power_curve": ["watts"],
    "best_efforts": ["elapsed_s"],
    "time_in_zones": ["seconds"],
}


def main():
    db, py = sys.argv[1:3]
    con = duckdb.connect(db, read_only=True)
    report, ok = {"tolerance": TOLERANCE}, True
    for table, keys in KEYS.items():
        parquet = os.path.join(py, f"{table}.parquet").replace("'", "''")
        con.execute(f"CREATE TEMP VIEW py_{table} AS SELECT * FROM read_parquet('{parquet}')")
        rust_n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        py_n = con.execute(f"SELECT count(*) FROM py_{table}").fetchone()[0]
        on = " AND ".join(f"r.{k} = p.{k}" for k in keys)
        matched = con.execute(
            f"SELECT count(*) FROM {table} r JOIN py_{table} p ON {on}").fetchone()[0]
        worst = {}
        for v in VALUES[table]:
            diff = (f"abs(r.{v} - p.{v}) / greatest(abs(r.{v}), abs(p.{v}), 1)")
            row = con.execute(
                f"SELECT max({diff}), count(*) FILTER ((r.{v} IS NULL) <> (p.{v} IS NULL)) "
                f"FROM {table} r JOIN py_{table} p ON {on}").fetchone()
            worst[v] = {"max_rel_diff": row[0], "null_mismatches": row[1]}
            ok &= (row[0] or 0) <= TOLERANCE and row[1] == 0
        ok &= rust_n == py_n == matched
        report[table] = {"rust_rows": rust_n, "python_rows": py_n, "matched": matched, **worst}
    report["spot_checks"] = con.execute(
        """SELECT r.activity_id, r.watts AS rust_1200s_w, p.watts AS python_1200s_w
           FROM power_curve r JOIN py_power_curve p USING (activity_id, duration_s)
           WHERE duration_s = 1200 ORDER BY activity_id LIMIT 3""").fetchall() + con.execute(
        """SELECT r.activity_id, r.elapsed_s AS rust_5km_s, p.elapsed_s AS python_5km_s
           FROM best_efforts r JOIN py_best_efforts p USING (activity_id, distance_m)
           WHERE distance_m = 5000 ORDER BY activity_id LIMIT 3""").fetchall()
    report["agree"] = ok
    print(json.dumps(report, default=str))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
