"""Writes examples/sample-athlete/export/: the synthetic sample athlete as
Strava's bulk export, `activities.csv` for every activity plus original
activity files for the rides and runs since SINCE.

Everything is derived from the saved API pages beside it
(`examples/sample-athlete/activities-page-*.json`, made by
`examples/generate_sample.rs`), so re-running this after that generator
changes keeps the two in step. Same pages in, same bytes out (seeded by
activity id, gzip without timestamps).

Rides with a power meter become `.fit.gz` (encoded with `fit-tool` from
PyPI; no Rust crate encodes FIT), runs `.gpx.gz` (positions only, as many
phones write), trail runs `.tcx.gz`. Streams are made to agree with the
summary: elapsed and moving time (one pause in the middle), distance, average
power and heart rate, with intervals near FTP so the power curve has a shape.

    python3 -m venv /tmp/fit && /tmp/fit/bin/pip install fit-tool==0.9.16
    /tmp/fit/bin/python examples/generate_sample_export.py
"""

import csv
import glob
import gzip
import io
import json
import math
import os
import random
from datetime import datetime, timedelta, timezone

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.profile_type import FileType, Manufacturer

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "sample-athlete")
OUT = os.path.join(SAMPLE, "export")
# Files for the activities started on or after this day (UTC): keeps the
# sample a few MB.
SINCE = "2024-07-01"
RIDES = {"Ride", "VirtualRide", "GravelRide", "MountainBikeRide"}
RUNS = {"Run", "TrailRun"}
# People's names for types, as the English export writes them.
DISPLAY = {
    "VirtualRide": "Virtual Ride",
    "GravelRide": "Gravel Ride",
    "MountainBikeRide": "Mountain Bike Ride",
    "TrailRun": "Trail Run",
    "WeightTraining": "Weight Training",
}
M_PER_DEG = 6_371_008.8 * math.pi / 180.0


def load():
    acts = []
    for page in sorted(glob.glob(os.path.join(SAMPLE, "activities-page-*.json"))):
        with open(page) as f:
            acts.extend(json.load(f))
    with open(os.path.join(SAMPLE, "athlete.json")) as f:
        athlete = json.load(f)
    return acts, athlete


def start_of(a):
    return datetime.strptime(a["start_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def timeline(a):
    """Seconds with a record: elapsed time with one pause of elapsed - moving
    seconds in the middle (when longer than the 10-s gap rule)."""
    elapsed, moving = a["elapsed_time"], a["moving_time"]
    pause = elapsed - moving
    if pause <= 10:
        return list(range(elapsed))
    cut = moving // 2
    return list(range(cut)) + list(range(cut + pause, elapsed))


def power_stream(a, ftp, rng, n):
    """Warm-up, a block of intervals near FTP, steady riding; scaled to the
    summary's average watts."""
    target = a["average_watts"]
    p = []
    for i in range(n):
        frac = i / max(n - 1, 1)
        base = 0.75 if frac < 0.1 else 1.0
        # 20 minutes near FTP a third of the way in, 5-minute efforts after.
        if 0.3 * n <= i < 0.3 * n + 1200:
            base = 1.02 * ftp / target
        elif 0.55 * n <= i < 0.55 * n + 300 or 0.65 * n <= i < 0.65 * n + 300:
            base = 1.2 * ftp / target
        p.append(max(0.0, base * target * (1 + rng.gauss(0, 0.08))))
    scale = target / (sum(p) / n)
    return [round(x * scale) for x in p]


def hr_stream(a, rng, n, effort=None):
    avg = a.get("average_heartrate")
    if avg is None:
        return None
    hr = []
    level = avg
    for i in range(n):
        drift = 6.0 * (i / max(n - 1, 1) - 0.5)
        if effort is not None:
            goal = avg + drift + 0.12 * (effort[i] - a["average_watts"])
        else:
            goal = avg + drift
        level += (goal - level) / 30.0
        hr.append(max(60, min(200, round(level + rng.gauss(0, 1.0)))))
    return hr


def ride_fit(a, ftp):
    rng = random.Random(a["id"])
    secs = timeline(a)
    n = len(secs)
    power = power_stream(a, ftp, rng, n)
    hr = hr_stream(a, rng, n, power)
    speed = a["distance"] / max(a["moving_time"], 1)
    start_ms = int(start_of(a).timestamp()) * 1000
    b = FitFileBuilder(auto_define=True)
    m = FileIdMessage()
    m.type = FileType.ACTIVITY
    m.manufacturer = Manufacturer.DEVELOPMENT.value
    m.product = 0
    m.serial_number = a["id"] % 100000
    m.time_created = start_ms
    b.add(m)
    dist = 0.0
    for k, t in enumerate(secs):
        if k > 0:
            dist += speed * (secs[k] - secs[k - 1] if secs[k] - secs[k - 1] <= 10 else 1)
        r = RecordMessage()
        r.timestamp = start_ms + t * 1000
        r.power = power[k]
        if hr:
            r.heart_rate = hr[k]
        r.cadence = 0 if power[k] == 0 else 85 + rng.randint(0, 10)
        r.distance = round(dist, 2)
        r.altitude = 450.0 + 80.0 * math.sin(t / 900.0)
        b.add(r)
    return b.build_bytes()


def iso(start, t):
    return (start + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_points(a):
    rng = random.Random(a["id"])
    secs = timeline(a)
    hr = hr_stream(a, rng, len(secs))
    speed = a["distance"] / max(a["moving_time"], 1)
    lat0, lng0 = (a.get("start_latlng") or [47.37, 8.54])[:2]
    heading = rng.uniform(0, 2 * math.pi)
    dist, points = 0.0, []
    for k, t in enumerate(secs):
        if k > 0:
            dist += speed * (1 + 0.05 * math.sin(t / 60.0))
        north, east = dist * math.cos(heading), dist * math.sin(heading)
        lat = lat0 + north / M_PER_DEG
        lng = lng0 + east / (M_PER_DEG * math.cos(math.radians(lat0)))
        points.append((t, lat, lng, dist, hr[k] if hr else None))
    return points


def run_gpx(a):
    start = start_of(a)
    rows = []
    for t, lat, lng, _, hr in run_points(a):
        ext = (
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions>"
            if hr
            else ""
        )
        rows.append(f'<trkpt lat="{lat:.7f}" lon="{lng:.7f}"><time>{iso(start, t)}</time>{ext}</trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="sample" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><trkseg>\n" + "\n".join(rows) + "\n</trkseg></trk></gpx>\n"
    ).encode()


def run_tcx(a):
    start = start_of(a)
    rows = []
    for t, lat, lng, dist, hr in run_points(a):
        hr_xml = f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>" if hr else ""
        rows.append(
            f"<Trackpoint><Time>{iso(start, t)}</Time><Position><LatitudeDegrees>{lat:.7f}"
            f"</LatitudeDegrees><LongitudeDegrees>{lng:.7f}</LongitudeDegrees></Position>"
            f"<DistanceMeters>{dist:.1f}</DistanceMeters>{hr_xml}</Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="Running"><Id>{iso(start, 0)}</Id><Lap StartTime="{iso(start, 0)}"><Track>\n'
        + "\n".join(rows)
        + "\n</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
    ).encode()


def activity_file(a, ftp):
    """(Filename, bytes) or None."""
    if a["start_date"][:10] < SINCE or a.get("manual"):
        return None
    sport = a["sport_type"]
    if sport in RIDES and a.get("device_watts") and a.get("average_watts"):
        return f"activities/{a['id']}.fit.gz", ride_fit(a, ftp)
    if sport == "Run":
        return f"activities/{a['id']}.gpx.gz", run_gpx(a)
    if sport == "TrailRun":
        return f"activities/{a['id']}.tcx.gz", run_tcx(a)
    return None


HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
    "Elevation Loss", "Elevation Low", "Elevation High", "Max Grade", "Average Grade",
    "Average Positive Grade", "Average Negative Grade", "Max Cadence", "Average Cadence",
    "Max Heart Rate", "Average Heart Rate", "Max Watts", "Average Watts", "Calories",
    "Max Temperature", "Average Temperature", "Relative Effort", "Total Work",
    "Number of Runs", "Uphill Time", "Downhill Time", "Other Time", "Perceived Exertion",
    "Type", "Start Time", "Weighted Average Power", "Power Count", "Prefer Perceived Exertion",
    "Perceived Relative Effort", "Commute",
]


def csv_row(a, filename, gear_names):
    g = lambda k: "" if a.get(k) is None else a.get(k)
    date = start_of(a)
    # `Mar 1, 2021, 6:12:03 AM`, UTC.
    when = date.strftime("%b %-d, %Y, %-I:%M:%S %p")
    dist_km = "" if a.get("distance") is None else f"{a['distance'] / 1000:.2f}"
    commute = "true" if a.get("commute") else "false"
    row = {
        0: a["id"], 1: when, 2: a.get("name") or "", 3: DISPLAY.get(a["sport_type"], a["sport_type"]),
        5: a.get("elapsed_time", ""), 6: dist_km, 7: g("max_heartrate"), 8: g("suffer_score"),
        9: commute, 11: gear_names.get(a.get("gear_id"), ""), 12: filename or "", 15: f"{a.get('elapsed_time', 0)}.0",
        16: f"{a.get('moving_time', 0)}.0", 17: g("distance"), 18: g("max_speed"),
        19: g("average_speed"), 20: g("total_elevation_gain"), 22: g("elev_low"),
        23: g("elev_high"), 29: g("average_cadence"), 30: g("max_heartrate"),
        31: g("average_heartrate"), 32: g("max_watts"), 33: g("average_watts"),
        37: g("suffer_score"), 46: g("weighted_average_watts"), 50: commute,
    }
    return [row.get(i, "") for i in range(len(HEADER))]


def main():
    acts, athlete = load()
    ftp = athlete.get("ftp") or 200
    # The export names gear, never its id: the profile's names.
    gear_names = {g["id"]: g["name"] for g in athlete.get("bikes", []) + athlete.get("shoes", [])}
    os.makedirs(os.path.join(OUT, "activities"), exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "activities", "*")):
        os.remove(old)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(HEADER)
    files = 0
    for a in sorted(acts, key=lambda a: a["start_date"]):
        made = activity_file(a, ftp)
        filename = None
        if made:
            filename, data = made
            with open(os.path.join(OUT, filename), "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))
            files += 1
        w.writerow(csv_row(a, filename, gear_names))
    with open(os.path.join(OUT, "activities.csv"), "w", encoding="utf-8") as f:
        f.write(text.getvalue())
    print(f"{len(acts)} activities, {files} activity files in {OUT}")


if __name__ == "__main__":
    main()
