"""The Python way of what `strava-warehouse sync --from-export` does with the
export's activity files, for `benches/activity_files.sh`: one process reads
`activities.csv` and every file it names (`gzip`; FIT with `fitdecode`, GPX
with `gpxpy`, TCX with the standard library's ElementTree), resamples each
activity to 1 s by docs/export.md's rules and computes, with numpy, the rows
of `activity_streams`, `power_curve`, `best_efforts` and `time_in_zones`
(thresholds from the same `--athlete-settings` TOML), written as one Parquet
file per table. The numpy is vectorised the usual way (searchsorted for the
interpolation and the best efforts, cumulative sums for rolling windows and
the power curve); only the per-record decoding is Python loops, as it is in
those libraries.

    python reference_activity_files.py EXPORT_DIR SETTINGS.toml OUT_DIR

Prints one JSON line: seconds (after imports), files, records, row counts,
and the seconds spent decoding files (per format) against computing.
"""

import csv
import gzip
import io
import json
import math
import os
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from datetime import date, datetime

import fitdecode
import gpxpy
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

MAX_GAP_S = 10.0
POWER_LADDER_S = [1, 5, 10, 15, 20, 30, 60, 120, 180, 300, 480, 600, 720, 1200, 1800, 2700,
                  3600, 5400, 7200, 10800, 14400, 18000]
BEST_EFFORT_M = [400.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5, 42195.0]
POWER_ZONE_EDGES_PCT = np.array([55.0, 75.0, 90.0, 105.0, 120.0, 150.0])
HR_ZONE_EDGES_PCT = np.array([81.0, 90.0, 94.0, 100.0])
RIDES = {"Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "EBikeRide",
         "EMountainBikeRide", "Velomobile", "Handcycle"}
RUNS = {"Run", "TrailRun", "VirtualRun"}
EARTH_R = 6_371_008.8
# Columns of a decoded file: time, power, heart rate, cadence, distance, speed,
# altitude, latitude, longitude (NaN where a record lacks one).
CHANNELS = 9

# --- decoding -------------------------------------------------------------

FIT_FIELDS = {"timestamp": 0, "power": 1, "heart_rate": 2, "cadence": 3, "distance": 4,
              "speed": 5, "enhanced_speed": 5, "altitude": 6, "enhanced_altitude": 6,
              "position_lat": 7, "position_long": 8}
SEMICIRCLE = 180.0 / 2**31


def read_fit(data):
    rows = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as fit:
        for frame in fit:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA or frame.name != "record":
                continue
            row = [math.nan] * CHANNELS
            for field in frame.fields:
                i = FIT_FIELDS.get(field.name)
                v = field.value
                if i is None or v is None:
                    continue
                if i == 0:
                    v = v.timestamp()
                elif i >= 7:
                    v = v * SEMICIRCLE
                row[i] = float(v)
            rows.append(row)
    return rows


def read_gpx(data):
    gpx = gpxpy.parse(data.decode("utf-8", "replace").lstrip())
    rows = []
    for track in gpx.tracks:
        for segment in track.segments:
            for p in segment.points:
                row = [math.nan] * CHANNELS
                if p.time is not None:
                    row[0] = p.time.timestamp()
                if p.elevation is not None:
                    row[6] = p.elevation
                row[7], row[8] = p.latitude, p.longitude
                for ext in p.extensions:
                    for el in ext.iter():
                        tag = el.tag.rsplit("}", 1)[-1]
                        if tag == "hr":
                            row[2] = float(el.text)
                        elif tag == "cad":
                            row[3] = float(el.text)
                        elif tag == "power":
                            row[1] = float(el.text)
                rows.append(row)
    return rows


TCX_LEAVES = {"Watts": 1, "Cadence": 3, "RunCadence": 3, "DistanceMeters": 4, "Speed": 5,
              "AltitudeMeters": 6, "LatitudeDegrees": 7, "LongitudeDegrees": 8}


def read_tcx(data):
    root = ET.fromstring(data.lstrip())
    rows = []
    times = []
    for tp in root.iter():
        if not tp.tag.endswith("Trackpoint"):
            continue
        row = [math.nan] * CHANNELS
        when = None
        for el in tp.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "Time":
                when = el.text.strip()
            elif tag == "Value":
                row[2] = float(el.text)
            else:
                i = TCX_LEAVES.get(tag)
                if i is not None and el.text:
                    row[i] = float(el.text)
        times.append(when)
        rows.append(row)
    # Times in one vectorised parse (UTC `Z` dropped: numpy takes naive ISO 8601).
    if rows:
        valid = [t is not None for t in times]
        parsed = np.array([t.rstrip("Z") if t else "NaT" for t in times], dtype="datetime64[ms]")
        seconds = parsed.astype("int64") / 1000.0
        for row, ok, s in zip(rows, valid, seconds):
            row[0] = s if ok else math.nan
    return rows


READERS = {"fit": read_fit, "gpx": read_gpx, "tcx": read_tcx}


def decode(name, raw):
    """(format, records as an n x CHANNELS array, time-ordered, distance from
    positions where no record has distance), or a skip reason."""
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    stem = lower[:-3] if gzipped else lower
    fmt = stem.rsplit(".", 1)[-1]
    if fmt not in READERS:
        return fmt, "unknown extension"
    data = gzip.decompress(raw) if gzipped else raw
    rows = READERS[fmt](data)
    if not rows:
        return fmt, "no records"
    a = np.array(rows, dtype=np.float64)
    a = a[np.isfinite(a[:, 0])]
    if len(a) == 0:
        return fmt, "no timestamps"
    a = a[np.argsort(a[:, 0], kind="stable")]
    if np.isnan(a[:, 4]).all():
        pos = np.isfinite(a[:, 7]) & np.isfinite(a[:, 8])
        if pos.any():
            lat, lng = np.radians(a[pos, 7]), np.radians(a[pos, 8])
            h = (np.sin(np.diff(lat) / 2) ** 2
                 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lng) / 2) ** 2)
            step = 2 * EARTH_R * np.arcsin(np.minimum(np.sqrt(h), 1.0))
            a[pos, 4] = np.concatenate([[0.0], np.cumsum(step)])
    return fmt, a


# --- resampling (docs/export.md, "Resampling") -----------------------------

def channel(t, v, times):
    """Linear between records at most MAX_GAP_S apart, exact at a record, else NaN."""
    ok = np.isfinite(v)
    if not ok.any():
        return None
    tc, vc = t[ok], v[ok]
    k = np.searchsorted(tc, times, side="right") - 1
    out = np.full(len(times), np.nan)
    has = k >= 0
    kk = np.where(has, k, 0)
    ta, va = tc[kk], vc[kk]
    exact = has & (np.abs(times - ta) < 1e-9)
    nxt = np.minimum(kk + 1, len(tc) - 1)
    tb, vb = tc[nxt], vc[nxt]
    inner = has & ~exact & (kk + 1 < len(tc)) & (tb - ta <= MAX_GAP_S)
    with np.errstate(invalid="ignore", divide="ignore"):
        lin = va + (vb - va) * (times - ta) / (tb - ta)
    out[exact] = va[exact]
    out[inner] = lin[inner]
    return out


def resample(a):
    t = a[:, 0]
    t0 = t[0]
    slots = int(math.floor(t[-1] - t0)) + 1
    times = t0 + np.arange(slots, dtype=np.float64)
    moving = np.ones(slots, dtype=bool)
    for g in np.nonzero(np.diff(t) > MAX_GAP_S)[0]:
        lo = int(math.floor(t[g] - t0)) + 1
        hi = min(int(math.ceil(t[g + 1] - t0)), slots)
        moving[lo:hi] = False
    power = channel(t, a[:, 1], times)
    if power is not None:
        power = np.where(moving, np.maximum(np.nan_to_num(power, nan=0.0), 0.0), 0.0)
    hr = channel(t, a[:, 2], times)
    hr = np.full(slots, np.nan) if hr is None else np.where(moving, hr, np.nan)
    dist = channel(t, a[:, 4], times)
    if dist is not None:
        known = np.isfinite(dist)
        first = dist[known][0]
        dist = np.maximum.accumulate(np.where(known, dist, -np.inf))
        dist[~np.isfinite(dist)] = first
    else:
        speed = channel(t, a[:, 5], times)
        if speed is not None:
            step = np.where(moving, np.maximum(np.nan_to_num(speed, nan=0.0), 0.0), 0.0)
            step[0] = 0.0
            dist = np.cumsum(step)
    return power, hr, dist, moving


# --- metrics (src/physiology/mod.rs's formulas) ---------------------------

def normalized(rolling, idx):
    r = rolling[idx]
    r = r[np.isfinite(r)]
    return float(np.mean(r**4) ** 0.25) if len(r) else None


def mean_hr(hr, idx):
    h = hr[idx]
    h = h[np.isfinite(h)]
    return float(h.mean()) if len(h) else None


def ef(group, hr, dist, idx, np_w):
    h = mean_hr(hr, idx)
    if h is None:
        return None
    if group == "ride":
        return None if np_w is None else np_w / h
    if group == "run":
        if dist is None:
            return None
        i = idx[idx > 0]
        if len(i) == 0:
            return None
        return float((dist[i] - dist[i - 1]).sum()) / len(i) * 60.0 / h
    return None


def summary(power, hr, dist, moving, group):
    idx = np.nonzero(moving)[0]
    rolling = None
    if power is not None:
        c = np.concatenate([[0.0], np.cumsum(power)])
        rolling = np.full(len(power), np.nan)
        if len(power) >= 30:
            rolling[29:] = (c[30:] - c[:-30]) / 30.0
    np_w = normalized(rolling, idx) if rolling is not None else None
    out = {
        "recorded_s": len(moving), "moving_s": len(idx), "has_power": power is not None,
        "has_heartrate": bool(np.isfinite(hr).any()), "avg_power_w": None,
        "normalized_power_w": np_w, "max_power_w": None, "work_kj": None,
        "avg_heartrate": mean_hr(hr, idx), "efficiency_factor": ef(group, hr, dist, idx, np_w),
        "aerobic_decoupling_pct": None,
    }
    if power is not None:
        work = float(power.sum())
        out["work_kj"] = work / 1000.0
        out["max_power_w"] = float(power.max()) if len(power) else None
        out["avg_power_w"] = work / len(idx) if len(idx) else None
    if len(idx) >= 20 * 60:
        half = len(idx) // 2
        parts = []
        for part in (idx[:half], idx[half:]):
            part_np = normalized(rolling, part) if rolling is not None else None
            parts.append(ef(group, hr, dist, part, part_np))
        if parts[0] is not None and parts[1] is not None and parts[0] > 0:
            out["aerobic_decoupling_pct"] = (parts[0] - parts[1]) / parts[0] * 100.0
    return out


def power_curve(power):
    c = np.concatenate([[0.0], np.cumsum(power)])
    return [(d, float((c[d:] - c[:-d]).max()) / d) for d in POWER_LADDER_S if d <= len(power)]


def best_efforts(d):
    total = d[-1] - d[0]
    n = len(d)
    out = []
    i = np.arange(n)
    for target in BEST_EFFORT_M:
        if target > total:
            continue
        j = np.maximum(np.searchsorted(d, d + target, side="left"), i + 1)
        ok = j < n
        if not ok.any():
            continue
        ii, jj = i[ok], j[ok]
        step = d[jj] - d[jj - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            into = np.where(step > 0, (d[ii] + target - d[jj - 1]) / step, 1.0)
        elapsed = (jj - 1 - ii) + np.clip(into, 0.0, 1.0)
        out.append((target, float(elapsed.min())))
    return out


def zones(values, threshold, edges):
    zone = (values[:, None] * 100.0 >= edges[None, :] * threshold).sum(axis=1)
    return np.bincount(zone, minlength=len(edges) + 1)


# --- the export -----------------------------------------------------------

def settings_in_force(entries, day):
    chosen = None
    for e in entries:
        if e["from"] <= day:
            chosen = e
    return chosen


def sport_group(activity_type):
    sport = activity_type.replace(" ", "").replace("-", "")
    return "ride" if sport in RIDES else "run" if sport in RUNS else "other"


def main():
    export, settings_path, out_dir = sys.argv[1:4]
    start = time.perf_counter()
    with open(settings_path, "rb") as f:
        entries = sorted(tomllib.load(f)["settings"], key=lambda e: e["from"])
    for e in entries:
        e["from"] = e["from"] if isinstance(e["from"], date) else date.fromisoformat(e["from"])
    with open(os.path.join(export, "activities.csv"), newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {name: header.index(name) for name in ("Activity ID", "Activity Date",
                                                     "Activity Type", "Filename")}
        acts = [r for r in reader if r[col["Filename"]].strip()]
    streams, curve, efforts, tiz = [], [], [], []
    skipped, records, seen = 0, 0, set()
    t_decode = t_compute = 0.0
    by_format = {}  # format -> [files, records, decode seconds]
    for r in acts:
        aid = int(r[col["Activity ID"]])
        if aid in seen:
            continue
        seen.add(aid)
        name = r[col["Filename"]].strip()
        t1 = time.perf_counter()
        try:
            with open(os.path.join(export, name), "rb") as f:
                fmt, a = decode(name, f.read())
        except Exception:  # noqa: BLE001 - a bad file is skipped, as in the job
            skipped += 1
            continue
        t2 = time.perf_counter()
        t_decode += t2 - t1
        if isinstance(a, str):
            skipped += 1
            continue
        records += len(a)
        f = by_format.setdefault(fmt, [0, 0, 0.0])
        f[0], f[1], f[2] = f[0] + 1, f[1] + len(a), f[2] + t2 - t1
        power, hr, dist, moving = resample(a)
        s = summary(power, hr, dist, moving, sport_group(r[col["Activity Type"]]))
        streams.append({"activity_id": aid, "file_format": fmt, "samples": len(a), **s})
        if power is not None:
            curve.extend({"activity_id": aid, "duration_s": d, "watts": w}
                         for d, w in power_curve(power))
        if dist is not None:
            efforts.extend({"activity_id": aid, "distance_m": m, "elapsed_s": e}
                           for m, e in best_efforts(dist))
        day = datetime.strptime(r[col["Activity Date"]], "%b %d, %Y, %I:%M:%S %p").date()
        entry = settings_in_force(entries, day)
        if entry is not None:
            ftp, thr = entry.get("ftp_w"), entry.get("threshold_hr")
            if power is not None and ftp and ftp > 0:
                secs = zones(power[moving], ftp, POWER_ZONE_EDGES_PCT)
                tiz.extend({"activity_id": aid, "kind": "power", "zone": z + 1,
                            "seconds": int(n)} for z, n in enumerate(secs))
            h = hr[np.isfinite(hr)]
            if thr and thr > 0 and len(h):
                secs = zones(h, thr, HR_ZONE_EDGES_PCT)
                tiz.extend({"activity_id": aid, "kind": "heart_rate", "zone": z + 1,
                            "seconds": int(n)} for z, n in enumerate(secs))
        t_compute += time.perf_counter() - t2
    os.makedirs(out_dir, exist_ok=True)
    tables = {"activity_streams": streams, "power_curve": curve, "best_efforts": efforts,
              "time_in_zones": tiz}
    for table, rows in tables.items():
        pq.write_table(pa.Table.from_pylist(rows), os.path.join(out_dir, f"{table}.parquet"))
    print(json.dumps({
        "mode": "Python reference (fitdecode, gpxpy, ElementTree, numpy)",
        "seconds": round(time.perf_counter() - start, 2),
        "files": len(streams), "skipped": skipped, "records": records,
        "decode_s": round(t_decode, 2), "compute_s": round(t_compute, 2),
        "decode_by_format": {k: {"files": v[0], "records": v[1], "decode_s": round(v[2], 2),
                                 "us_per_record": round(v[2] / max(v[1], 1) * 1e6, 1)}
                             for k, v in sorted(by_format.items())},
        **{table: len(rows) for table, rows in tables.items()},
    }))


if __name__ == "__main__":
    main()
