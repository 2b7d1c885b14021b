//! Physiology from one activity's records: the `activity_streams` summary
//! (average, normalized and maximum power, work, average heart rate,
//! efficiency factor, aerobic decoupling), the `power_curve` ladder, the
//! `best_efforts` distances and `time_in_zones`, all on the one 1-second
//! timeline of `resample` with its gap rules.
//!
//! Responsible for: the formulas and the zone edges. Not responsible for:
//! reading files (`files`), choosing the athlete's thresholds for a date
//! (`crate::settings`), or rows and tables (`rows`).

pub(crate) mod resample;
pub(crate) mod rows;

use resample::Timeline;

/// Durations of the power curve, in seconds.
pub(crate) const POWER_LADDER_S: [usize; 22] = [
    1, 5, 10, 15, 20, 30, 60, 120, 180, 300, 480, 600, 720, 1200, 1800, 2700, 3600, 5400, 7200,
    10800, 14400, 18000,
];

/// Distances of the best efforts, in metres (400 m, 1 km, 1 mile, 5 km, 10 km,
/// half and full marathon).
pub(crate) const BEST_EFFORT_M: [f64; 7] =
    [400.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5, 42195.0];

/// Lower edges of power zones 2..7, in % of FTP: zone 1 < 55, 2 55-75,
/// 3 75-90, 4 90-105, 5 105-120, 6 120-150, 7 >= 150 (each from its lower
/// edge up to, not including, the next).
pub(crate) const POWER_ZONE_EDGES_PCT: [f64; 6] = [55.0, 75.0, 90.0, 105.0, 120.0, 150.0];

/// Lower edges of heart-rate zones 2..5, in % of threshold heart rate:
/// zone 1 < 81, 2 81-89, 3 90-93, 4 94-99, 5 >= 100 (as [81, 90), [90, 94), ...).
pub(crate) const HR_ZONE_EDGES_PCT: [f64; 4] = [81.0, 90.0, 94.0, 100.0];

/// NP's rolling window, seconds.
const NP_WINDOW_S: usize = 30;

/// Decoupling needs at least this much moving time, seconds.
const DECOUPLING_MIN_S: usize = 20 * 60;

/// How an activity's efficiency factor is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SportGroup {
    /// NP / average heart rate.
    Ride,
    /// Speed in m/min / average heart rate.
    Run,
    Other,
}

impl SportGroup {
    /// The same grouping as the `activity_metrics` view's `sport_group`.
    pub(crate) fn of(sport_type: Option<&str>) -> SportGroup {
        match sport_type.unwrap_or("") {
            "Ride" | "VirtualRide" | "GravelRide" | "MountainBikeRide" | "EBikeRide"
            | "EMountainBikeRide" | "Velomobile" | "Handcycle" => SportGroup::Ride,
            "Run" | "TrailRun" | "VirtualRun" => SportGroup::Run,
            _ => SportGroup::Other,
        }
    }
}

/// The `activity_streams` values of one activity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub(crate) recorded_s: usize,
    pub(crate) moving_s: usize,
    pub(crate) has_power: bool,
    pub(crate) has_heartrate: bool,
    pub(crate) avg_power_w: Option<f64>,
    pub(crate) normalized_power_w: Option<f64>,
    pub(crate) max_power_w: Option<f64>,
    pub(crate) work_kj: Option<f64>,
    pub(crate) avg_heartrate: Option<f64>,
    pub(crate) efficiency_factor: Option<f64>,
    pub(crate) aerobic_decoupling_pct: Option<f64>,
}

pub(crate) fn summary(tl: &Timeline, group: SportGroup) -> Summary {
    let moving: Vec<usize> = (0..tl.len()).filter(|&i| tl.moving[i]).collect();
    let rolling = tl.power.as_deref().map(rolling_30s);
    let avg_hr = mean_hr(tl, &moving);
    let np = rolling.as_ref().and_then(|r| normalized(r, &moving));
    let ef = |indices: &[usize], np: Option<f64>| -> Option<f64> {
        let hr = mean_hr(tl, indices)?;
        match group {
            SportGroup::Ride => Some(np? / hr),
            SportGroup::Run => {
                let d = tl.distance.as_deref()?;
                // The metres of each moving second; the first slot has none.
                let (metres, seconds) = indices
                    .iter()
                    .filter(|&&i| i > 0)
                    .fold((0.0, 0usize), |(m, n), &i| (m + d[i] - d[i - 1], n + 1));
                (seconds > 0).then(|| metres / seconds as f64 * 60.0 / hr)
            }
            SportGroup::Other => None,
        }
    };
    let efficiency_factor = ef(&moving, np);
    let aerobic_decoupling_pct = if moving.len() < DECOUPLING_MIN_S {
        None
    } else {
        let (first, second) = moving.split_at(moving.len() / 2);
        let half_np = |half: &[usize]| rolling.as_ref().and_then(|r| normalized(r, half));
        let ef1 = ef(first, half_np(first));
        let ef2 = ef(second, half_np(second));
        match (ef1, ef2) {
            (Some(a), Some(b)) if a > 0.0 => Some((a - b) / a * 100.0),
            _ => None,
        }
    };
    let power = tl.power.as_deref();
    let work_j = power.map(|p| p.iter().sum::<f64>());
    Summary {
        recorded_s: tl.len(),
        moving_s: moving.len(),
        has_power: power.is_some(),
        has_heartrate: tl.heart_rate.iter().any(Option::is_some),
        avg_power_w: work_j
            .filter(|_| !moving.is_empty())
            .map(|w| w / moving.len() as f64),
        normalized_power_w: np,
        max_power_w: power.and_then(|p| p.iter().copied().reduce(f64::max)),
        work_kj: work_j.map(|w| w / 1000.0),
        avg_heartrate: avg_hr,
        efficiency_factor,
        aerobic_decoupling_pct,
    }
}

fn mean_hr(tl: &Timeline, indices: &[usize]) -> Option<f64> {
    let (sum, n) = indices
        .iter()
        .filter_map(|&i| tl.heart_rate[i])
        .fold((0.0, 0usize), |(s, n), h| (s + h, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The 30-second trailing mean at each slot; `None` before the window is full.
fn rolling_30s(power: &[f64]) -> Vec<Option<f64>> {
    let mut sum = 0.0;
    (0..power.len())
        .map(|i| {
            sum += power[i];
            if i >= NP_WINDOW_S {
                sum -= power[i - NP_WINDOW_S];
            }
            (i + 1 >= NP_WINDOW_S).then_some(sum / NP_WINDOW_S as f64)
        })
        .collect()
}

/// Fourth root of the mean fourth power of the rolling means at `indices`.
fn normalized(rolling: &[Option<f64>], indices: &[usize]) -> Option<f64> {
    let (sum, n) = indices
        .iter()
        .filter_map(|&i| rolling[i])
        .fold((0.0, 0usize), |(s, n), r| (s + r.powi(4), n + 1));
    (n > 0).then(|| (sum / n as f64).powf(0.25))
}

/// (duration, best mean watts over any window of exactly that many slots),
/// for each ladder duration the timeline covers.
pub(crate) fn power_curve(tl: &Timeline) -> Vec<(usize, f64)> {
    let Some(power) = tl.power.as_deref() else {
        return Vec::new();
    };
    let mut prefix = Vec::with_capacity(power.len() + 1);
    prefix.push(0.0);
    for w in power {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + w);
    }
    POWER_LADDER_S
        .iter()
        .filter(|&&d| d <= power.len())
        .map(|&d| {
            let best = (d..=power.len())
                .map(|end| prefix[end] - prefix[end - d])
                .fold(f64::MIN, f64::max);
            (d, best / d as f64)
        })
        .collect()
}

/// (distance, shortest elapsed seconds) for each best-effort distance the
/// activity covers. Starts are whole slots; the end is interpolated inside
/// its second.
pub(crate) fn best_efforts(tl: &Timeline) -> Vec<(f64, f64)> {
    let Some(d) = tl.distance.as_deref() else {
        return Vec::new();
    };
    let total = d.last().copied().unwrap_or(0.0) - d.first().copied().unwrap_or(0.0);
    BEST_EFFORT_M
        .iter()
        .filter(|&&target| target <= total)
        .filter_map(|&target| {
            let mut best: Option<f64> = None;
            let mut j = 0;
            for i in 0..d.len() {
                j = j.max(i + 1);
                while j < d.len() && d[j] - d[i] < target {
                    j += 1;
                }
                if j >= d.len() {
                    break;
                }
                let step = d[j] - d[j - 1];
                let into = if step > 0.0 {
                    (d[i] + target - d[j - 1]) / step
                } else {
                    1.0
                };
                let elapsed = (j - 1 - i) as f64 + into.clamp(0.0, 1.0);
                best = Some(best.map_or(elapsed, |b: f64| b.min(elapsed)));
            }
            best.map(|s| (target, s))
        })
        .collect()
}

/// Seconds per zone, zone 1 first: power zones by `ftp_w`, over moving slots.
pub(crate) fn power_zones(tl: &Timeline, ftp_w: f64) -> Option<Vec<usize>> {
    let power = tl.power.as_deref()?;
    // NaN and non-positive thresholds give no zones.
    if ftp_w.is_nan() || ftp_w <= 0.0 {
        return None;
    }
    let values = (0..tl.len()).filter(|&i| tl.moving[i]).map(|i| power[i]);
    Some(zone_seconds(values, ftp_w, &POWER_ZONE_EDGES_PCT))
}

/// Seconds per zone, zone 1 first: heart-rate zones by `threshold_hr`, over
/// moving slots that have a heart rate.
pub(crate) fn heart_rate_zones(tl: &Timeline, threshold_hr: f64) -> Option<Vec<usize>> {
    if threshold_hr.is_nan() || threshold_hr <= 0.0 || !tl.heart_rate.iter().any(Option::is_some) {
        return None;
    }
    let values = tl.heart_rate.iter().flatten().copied();
    Some(zone_seconds(values, threshold_hr, &HR_ZONE_EDGES_PCT))
}

fn zone_seconds(values: impl Iterator<Item = f64>, threshold: f64, edges: &[f64]) -> Vec<usize> {
    let mut seconds = vec![0; edges.len() + 1];
    for v in values {
        // v / threshold >= edge / 100, written without a division so an
        // exact edge (162 bpm of 200 = 81 %) lands in the upper zone.
        let zone = edges
            .iter()
            .filter(|&&e| v * 100.0 >= e * threshold)
            .count();
        seconds[zone] += 1;
    }
    seconds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(power: &[(usize, f64)]) -> Timeline {
        let p: Vec<f64> = power
            .iter()
            .flat_map(|&(n, w)| std::iter::repeat_n(w, n))
            .collect();
        Timeline {
            heart_rate: vec![None; p.len()],
            moving: vec![true; p.len()],
            distance: None,
            power: Some(p),
        }
    }

    #[test]
    fn the_1200_s_best_of_20_minutes_at_250_then_150_is_250() {
        let curve = power_curve(&steady(&[(1200, 250.0), (1200, 150.0)]));
        let at = |d: usize| curve.iter().find(|c| c.0 == d).map(|c| c.1);
        assert_eq!(at(1200), Some(250.0));
        assert_eq!(at(1), Some(250.0));
        // 1800 s: all 1200 s at 250 plus 600 s at 150.
        assert_eq!(at(1800), Some((1200.0 * 250.0 + 600.0 * 150.0) / 1800.0));
        assert_eq!(at(2700), None, "longer than the activity");
    }

    #[test]
    fn normalized_power_of_a_steady_effort_is_that_power() {
        let s = summary(&steady(&[(600, 200.0)]), SportGroup::Ride);
        assert!((s.normalized_power_w.unwrap() - 200.0).abs() < 1e-9);
        assert_eq!(s.work_kj, Some(120.0));
    }

    #[test]
    fn a_zone_edge_belongs_to_the_zone_above() {
        // Threshold 200: 81 % is 162 bpm, 90 % 180, 94 % 188, 100 % 200.
        let z = zone_seconds(
            [161.9, 162.0, 179.9, 180.0, 188.0, 199.9, 200.0].into_iter(),
            200.0,
            &HR_ZONE_EDGES_PCT,
        );
        assert_eq!(z, vec![1, 2, 1, 2, 1]);
    }

    #[test]
    fn best_effort_end_is_interpolated_inside_its_second() {
        // 3 m/s: 400 m takes 133.33 s.
        let d: Vec<f64> = (0..300).map(|i| i as f64 * 3.0).collect();
        let tl = Timeline {
            power: None,
            heart_rate: vec![None; d.len()],
            moving: vec![true; d.len()],
            distance: Some(d),
        };
        let e = best_efforts(&tl);
        assert_eq!(e.len(), 1, "only 400 m fits in 897 m");
        assert!((e[0].1 - 400.0 / 3.0).abs() < 1e-9, "{e:?}");
    }
}
