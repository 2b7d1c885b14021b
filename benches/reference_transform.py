"""The reference way to do the transform, as the Python peers do it: json.load
each saved page, flatten each activity into a dict, pyarrow.Table.from_pylist
with the same schema, pyarrow.parquet.write_table with ZSTD.

The schema is read from `strava-warehouse schema --format bigquery` (argument
1), so this script cannot drift from the Rust one.

    python3 reference_transform.py SCHEMA.json PAGES_DIR OUT.parquet
"""
import json
import pathlib
import sys
import time
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq

TYPES = {
    "INTEGER": pa.int64(),
    "FLOAT": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "STRING": pa.string(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATETIME": pa.timestamp("us"),
    "DATE": pa.date32(),
}
NESTED = {
    "athlete_id": ("athlete", "id"),
    "map_id": ("map", "id"),
    "map_summary_polyline": ("map", "summary_polyline"),
}
LATLNG = {
    "start_lat": ("start_latlng", 0),
    "start_lng": ("start_latlng", 1),
    "end_lat": ("end_latlng", 0),
    "end_lng": ("end_latlng", 1),
}


def activities_schema(path):
    text = pathlib.Path(path).read_text()
    decoder, pos = json.JSONDecoder(), 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        table, pos = decoder.raw_decode(text, pos)
        if table["table"] == "activities":
            return [(f["name"], f["type"]) for f in table["fields"]]
    raise SystemExit("no activities table in the schema")


def main():
    fields = activities_schema(sys.argv[1])
    pages, out = pathlib.Path(sys.argv[2]), sys.argv[3]
    schema = pa.schema([(name, TYPES[kind]) for name, kind in fields])
    loaded_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    rows, seen, n = [], set(), 1
    while True:
        page = json.loads((pages / f"activities-page-{n:04d}.json").read_bytes())
        if not page:
            break
        for a in page:
            if a["id"] in seen:
                continue
            seen.add(a["id"])
            row = {}
            for name, kind in fields:
                if name in NESTED:
                    obj, key = NESTED[name]
                    value = (a.get(obj) or {}).get(key)
                elif name in LATLNG:
                    key, i = LATLNG[name]
                    pair = a.get(key) or []
                    value = pair[i] if len(pair) == 2 else None
                elif name == "loaded_at":
                    value = loaded_at
                else:
                    value = a.get(name)
                if value is not None and kind == "TIMESTAMP" and isinstance(value, str):
                    value = datetime.fromisoformat(value)
                elif value is not None and kind == "DATETIME":
                    value = datetime.fromisoformat(value.rstrip("Z"))
                row[name] = value
            rows.append(row)
        n += 1
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, out, compression="zstd")
    seconds = time.perf_counter() - started
    print(json.dumps({"mode": "python", "activities": len(rows), "seconds": seconds,
                      "activities_per_second": len(rows) / seconds}))


if __name__ == "__main__":
    main()
