-- metric_constants: every constant a metric uses, defined here once, as one
-- row that the views CROSS JOIN and analysts can read. Changing a value here
-- changes it in both dialects (views.rs renders this file for each).
-- key: ctl_days
CREATE OR REPLACE VIEW {{ ref(metric_constants) }} AS
SELECT
  -- Banister/Coggan load model (daily_training_load): time constants, days,
  -- of fitness (CTL) and fatigue (ATL).
  {{ float64(42) }} AS ctl_days,
  {{ float64(7) }} AS atl_days,
  -- How many days back each day's CTL and ATL sum (see daily_training_load).
  365 AS load_window_days,
  -- Banister TRIMP (activity_metrics): minutes * hrr * a * exp(b * hrr), by sex.
  {{ float64(0.64) }} AS trimp_a_male,
  {{ float64(1.92) }} AS trimp_b_male,
  {{ float64(0.86) }} AS trimp_a_female,
  {{ float64(1.67) }} AS trimp_b_female,
  -- Equivalent flat distance (activity_metrics): metres of flat one metre of
  -- climbing is worth, on foot and on a bike.
  {{ float64(10) }} AS foot_flat_m_per_climb_m,
  {{ float64(8) }} AS ride_flat_m_per_climb_m,
  -- Eddington numbers in miles (eddington).
  {{ float64(1.609344) }} AS km_per_mile
