"""Writes a generated ten-year Strava bulk export for the activity-file bench
(`benches/activity_files.sh`): OUT/activities.csv with N activities
(default 3,000, 2016 to 2025) and one activity file each under
OUT/activities/, plus OUT/athlete-settings.toml (the FTP and threshold heart
rate both sides use for zones).

Files are 1-Hz records of 1 to 5 hours, a third each `.fit.gz` (rides:
power, heart rate, cadence, distance, altitude), `.gpx.gz` (runs and a few
hikes: positions and heart rate, distance derived from the positions) and
`.tcx.gz` (runs and trail runs: positions, distance and heart rate). The
encoders are `examples/generate_sample_export.py`'s (imported from its path),
so these files have the sample athlete's shape, including a pause in the
middle of most of them.

Encoding FIT with `fit-tool` takes about 6 s per hour of records, so
only DISTINCT files per format are encoded (24 by default, durations spread
evenly from 1 to 5 h, each with its own seed, pause and pace); the N files
are byte copies of them under each activity's own name, and each CSV row
carries its file's elapsed time, moving time, distance and averages. Reading
and computing a copy is the same work as reading an original: the set is
representative of the mix, not of N distinct rides.

Deterministic: same arguments, same bytes (seeded; gzip without timestamps).

    python3 -m venv /tmp/fit && /tmp/fit/bin/pip install fit-tool==0.9.16
    /tmp/fit/bin/python benches/generate_activity_export.py OUT [--activities N] [--distinct K]
"""

import argparse
import csv
import gzip
import importlib.util
import io
import multiprocessing
import os
import random
import shutil
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_GENERATOR = os.path.join(HERE, "..", "examples", "generate_sample_export.py")

# The thresholds both the Rust job (`--athlete-settings`) and the Python
# reference read: one change of FTP and threshold heart rate half-way.
SETTINGS = """\
[[settings]]
from = "2015-01-01"
ftp_w = 235
threshold_hr = 168

[[settings]]
from = "2021-01-01"
ftp_w = 260
threshold_hr = 171
"""


def sample_generator():
    spec = importlib.util.spec_from_file_location("generate_sample_export", SAMPLE_GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def templates(distinct, rng):
    """`distinct` API-like activities per format, durations 1 to 5 h."""
    out = {"fit": [], "gpx": [], "tcx": []}
    for fmt in out:
        for k in range(distinct):
            elapsed = 3600 + round(k * 4 * 3600 / max(distinct - 1, 1))
            # Two in three have a stop (a café, a gate) longer than the 10-s gap rule.
            pause = rng.choice([0, rng.randint(60, 900), rng.randint(60, 900)])
            moving = elapsed - pause
            if fmt == "fit":
                sport = rng.choice(["Ride", "Ride", "Ride", "GravelRide", "VirtualRide"])
                speed = rng.uniform(6.5, 9.5)
                extra = {"average_watts": rng.randint(150, 230), "device_watts": True}
            elif fmt == "gpx":
                sport = "Hike" if k % 8 == 7 else "Run"
                speed = rng.uniform(1.2, 1.6) if sport == "Hike" else rng.uniform(2.6, 3.6)
                extra = {}
            else:
                sport = rng.choice(["Run", "TrailRun"])
                speed = rng.uniform(2.4, 3.4)
                extra = {}
            a = {
                # The seed of the sample generator's streams.
                "id": 9_000_000 + 1000 * list(out).index(fmt) + k,
                "sport_type": sport,
                "start_date": "2020-06-01T07:00:00Z",
                "elapsed_time": elapsed,
                "moving_time": moving,
                "distance": round(speed * moving, 1),
                "average_speed": round(speed, 3),
                "average_heartrate": round(rng.uniform(128, 158), 1),
                "start_latlng": [47.0 + rng.uniform(-1, 1), 8.0 + rng.uniform(-1, 1)],
                **extra,
            }
            out[fmt].append(a)
    return out


def encode(gen, fmt, a, ftp):
    if fmt == "fit":
        return gen.ride_fit(a, ftp)
    if fmt == "gpx":
        return gen.run_gpx(a)
    return gen.run_tcx(a)


def write_original(job):
    path, fmt, a = job
    global _GEN
    if _GEN is None:
        _GEN = sample_generator()
    data = gzip.compress(encode(_GEN, fmt, a, ftp=250), compresslevel=6, mtime=0)
    with open(path + ".part", "wb") as f:
        f.write(data)
    os.replace(path + ".part", path)


_GEN = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--activities", type=int, default=3000)
    ap.add_argument("--distinct", type=int, default=24, help="distinct files encoded per format")
    args = ap.parse_args()
    gen = sample_generator()
    rng = random.Random(16)
    os.makedirs(os.path.join(args.out, "activities"), exist_ok=True)
    with open(os.path.join(args.out, "athlete-settings.toml"), "w") as f:
        f.write(SETTINGS)

    originals = os.path.join(args.out, "originals")
    os.makedirs(originals, exist_ok=True)
    made = templates(args.distinct, rng)
    jobs = [
        (os.path.join(originals, f"{fmt}-{k:02d}.{fmt}.gz"), fmt, a)
        for fmt, acts in made.items()
        for k, a in enumerate(acts)
    ]
    # Longest first, on every core: fit-tool is the slow part.
    jobs.sort(key=lambda j: -j[2]["elapsed_time"] * (10 if j[1] == "fit" else 1))
    with multiprocessing.Pool(os.cpu_count()) as pool:
        pool.map(write_original, [j for j in jobs if not os.path.exists(j[0])], chunksize=1)

    # Ten years, one activity about every 29 hours, in time order.
    first = datetime(2016, 1, 1, tzinfo=timezone.utc)
    span = (datetime(2026, 1, 1, tzinfo=timezone.utc) - first).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(args.activities))
    formats = ["fit", "gpx", "tcx"]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(gen.HEADER)
    bikes = ["Road bike", "Gravel bike"]
    shoes = ["Trail shoes", "Road shoes"]
    for i, offset in enumerate(offsets):
        fmt = formats[rng.randrange(3)]
        k = rng.randrange(args.distinct)
        template = made[fmt][k]
        a = dict(template)
        a["id"] = 10_000_000_000 + i * 7919
        start = (first + timedelta(seconds=round(offset))).strftime("%Y-%m-%dT%H:%M:%SZ")
        a["start_date"] = start
        a["name"] = f"{a['sport_type']} {i}"
        a["gear_id"] = ("b" if fmt == "fit" else "g") + str(i % 2)
        filename = f"activities/{a['id']}.{fmt}.gz"
        shutil.copyfile(
            os.path.join(originals, f"{fmt}-{k:02d}.{fmt}.gz"), os.path.join(args.out, filename)
        )
        names = {"b0": bikes[0], "b1": bikes[1], "g0": shoes[0], "g1": shoes[1]}
        w.writerow(gen.csv_row(a, filename, names))
    with open(os.path.join(args.out, "activities.csv"), "w", encoding="utf-8") as f:
        f.write(text.getvalue())
    print(f"{args.activities} activities and files in {args.out} ({args.distinct} distinct per format)")


if __name__ == "__main__":
    main()
