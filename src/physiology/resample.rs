//! The 1-second timeline every metric is computed on, and its gap rules.
//!
//! Rules (README "Resampling" repeats them):
//! - one slot per second from the first record's time to the last one's
//!   (elapsed time, pauses included);
//! - each channel is interpolated linearly between two of its records at
//!   most [`MAX_GAP_S`] apart; a record missing a channel is skipped for that
//!   channel only;
//! - a gap between consecutive records longer than [`MAX_GAP_S`] is a pause:
//!   its slots are zero power, no heart rate, and hold the distance; they stay
//!   on the timeline (a power-curve window or a best effort spanning a pause
//!   counts its seconds) but are not "moving", and means (power, heart rate,
//!   speed, NP's fourth powers, zones, halves for decoupling) are taken over
//!   moving slots only;
//! - a moving slot without power is zero watts (coasting); one without heart
//!   rate is left out of heart-rate means and zones.
//!
//! Not responsible for: the metrics (`physiology`).

use crate::files::Sample;

/// The longest gap between records that is interpolated; longer is a pause.
pub(crate) const MAX_GAP_S: f64 = 10.0;

/// One activity on the 1-second grid.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline {
    /// Watts per slot, zero where missing; `None` when no record has power.
    pub(crate) power: Option<Vec<f64>>,
    /// Beats per minute per slot.
    pub(crate) heart_rate: Vec<Option<f64>>,
    /// Metres from the start per slot, never decreasing; `None` when the file
    /// has neither distance, positions nor speed.
    pub(crate) distance: Option<Vec<f64>>,
    /// False for slots inside a pause.
    pub(crate) moving: Vec<bool>,
}

impl Timeline {
    pub(crate) fn len(&self) -> usize {
        self.moving.len()
    }

    #[cfg(test)]
    pub(crate) fn moving_seconds(&self) -> usize {
        self.moving.iter().filter(|m| **m).count()
    }
}

/// `samples` must be in time order (as `files::decode` returns them) and not empty.
pub(crate) fn resample(samples: &[Sample]) -> Timeline {
    let Some((first, last)) = samples.first().zip(samples.last()) else {
        return Timeline {
            power: None,
            heart_rate: Vec::new(),
            distance: None,
            moving: Vec::new(),
        };
    };
    let t0 = first.t;
    let slots = ((last.t - t0).floor() as usize) + 1;
    let times: Vec<f64> = (0..slots).map(|i| t0 + i as f64).collect();

    let moving = moving_mask(samples, &times);
    let channel = |get: fn(&Sample) -> Option<f64>| -> Option<Vec<Option<f64>>> {
        let points: Vec<(f64, f64)> = samples
            .iter()
            .filter_map(|s| get(s).filter(|v| v.is_finite()).map(|v| (s.t, v)))
            .collect();
        (!points.is_empty()).then(|| interpolate(&points, &times))
    };

    let power = channel(|s| s.power).map(|p| {
        p.iter()
            .zip(&moving)
            .map(|(w, m)| if *m { w.unwrap_or(0.0).max(0.0) } else { 0.0 })
            .collect()
    });
    let heart_rate = match channel(|s| s.heart_rate) {
        Some(hr) => hr
            .into_iter()
            .zip(&moving)
            .map(|(h, m)| h.filter(|_| *m))
            .collect(),
        None => vec![None; slots],
    };
    let distance = match channel(|s| s.distance) {
        Some(d) => Some(hold(d)),
        // A file with speed but no distance: integrate the speed.
        None => channel(|s| s.speed).map(|v| {
            let mut total = 0.0;
            v.iter()
                .zip(&moving)
                .enumerate()
                .map(|(i, (speed, m))| {
                    if i > 0 && *m {
                        total += speed.unwrap_or(0.0).max(0.0);
                    }
                    total
                })
                .collect()
        }),
    };
    Timeline {
        power,
        heart_rate,
        distance,
        moving,
    }
}

/// Slots strictly inside a gap longer than [`MAX_GAP_S`] are not moving.
fn moving_mask(samples: &[Sample], times: &[f64]) -> Vec<bool> {
    let mut moving = vec![true; times.len()];
    let t0 = times.first().copied().unwrap_or(0.0);
    for pair in samples.windows(2) {
        let (a, b) = (pair[0].t, pair[1].t);
        if b - a > MAX_GAP_S {
            let from = (a - t0).floor() as usize + 1;
            let to = ((b - t0).ceil() as usize).min(times.len());
            for slot in moving.iter_mut().take(to).skip(from) {
                *slot = false;
            }
        }
    }
    moving
}

/// Each time's value: exact at a record, linear between two records at most
/// [`MAX_GAP_S`] apart, else `None`.
fn interpolate(points: &[(f64, f64)], times: &[f64]) -> Vec<Option<f64>> {
    let mut k = 0;
    times
        .iter()
        .map(|&t| {
            while k + 1 < points.len() && points[k + 1].0 <= t {
                k += 1;
            }
            let (ta, va) = points[k];
            if (t - ta).abs() < 1e-9 {
                return Some(va);
            }
            if ta > t {
                return None;
            }
            let (tb, vb) = *points.get(k + 1)?;
            (tb - ta <= MAX_GAP_S).then(|| va + (vb - va) * (t - ta) / (tb - ta))
        })
        .collect()
}

/// Distance through pauses and before the first record: the last known
/// value (the first known one at the start), never decreasing.
fn hold(d: Vec<Option<f64>>) -> Vec<f64> {
    let mut last = d.iter().flatten().next().copied().unwrap_or(0.0);
    d.into_iter()
        .map(|v| {
            if let Some(v) = v {
                last = last.max(v);
            }
            last
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: f64, power: f64, hr: f64) -> Sample {
        Sample {
            t,
            power: Some(power),
            heart_rate: Some(hr),
            ..Sample::default()
        }
    }

    #[test]
    fn a_short_gap_is_interpolated_linearly() {
        let tl = resample(&[at(100.0, 100.0, 120.0), at(104.0, 200.0, 140.0)]);
        assert_eq!(tl.len(), 5);
        assert_eq!(tl.power.unwrap(), vec![100.0, 125.0, 150.0, 175.0, 200.0]);
        assert_eq!(tl.heart_rate[2], Some(130.0));
        assert!(tl.moving.iter().all(|m| *m));
    }

    #[test]
    fn a_gap_longer_than_ten_seconds_is_a_pause_with_zero_power_and_no_heart_rate() {
        let tl = resample(&[at(0.0, 200.0, 150.0), at(12.0, 200.0, 150.0)]);
        assert_eq!(tl.len(), 13);
        let power = tl.power.unwrap();
        assert_eq!(power[0], 200.0);
        assert!(power[1..12].iter().all(|w| *w == 0.0), "{power:?}");
        assert_eq!(power[12], 200.0);
        assert_eq!(tl.heart_rate[5], None);
        assert_eq!(tl.moving.iter().filter(|m| **m).count(), 2);
    }

    #[test]
    fn exactly_ten_seconds_apart_is_still_interpolated() {
        let tl = resample(&[at(0.0, 0.0, 100.0), at(10.0, 100.0, 100.0)]);
        assert_eq!(tl.moving_seconds(), 11);
        assert_eq!(tl.power.unwrap()[5], 50.0);
    }

    #[test]
    fn distance_is_held_through_a_pause_and_never_decreases() {
        let d = |t: f64, m: f64| Sample {
            t,
            distance: Some(m),
            ..Sample::default()
        };
        let tl = resample(&[d(0.0, 0.0), d(1.0, 5.0), d(30.0, 4.0), d(31.0, 10.0)]);
        let dist = tl.distance.unwrap();
        assert_eq!(dist[15], 5.0);
        assert_eq!(dist[30], 5.0);
        assert_eq!(dist[31], 10.0);
        assert!(tl.power.is_none());
    }
}
