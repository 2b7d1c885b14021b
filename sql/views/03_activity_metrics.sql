-- activity_metrics: one row per activity, in unit-suffixed names, with the
-- effort metrics. Calendar columns use the athlete's LOCAL date.
-- Thresholds come from athlete_settings: the entry with the latest
-- effective_from on or before the local date; dates before the first entry
-- use the first entry. Constants: metric_constants; groups: sport_groups.
-- key: id
CREATE OR REPLACE VIEW {{ ref(activity_metrics) }} AS
WITH settings AS (
  SELECT
    *,
    LEAD(effective_from) OVER (ORDER BY effective_from) AS next_from,
    ROW_NUMBER() OVER (ORDER BY effective_from) = 1 AS is_first
  FROM {{ ref(athlete_settings) }}
),
base AS (
  SELECT
    a.*,
    st.stream_normalized_watts,
    -- The bulk export has no local time: its rows fall back to the UTC date.
    CAST(COALESCE(a.start_date_local, {{ utc_datetime(a.start_date) }}) AS DATE) AS local_date,
    COALESCE(g.sport_group, 'other') AS sport_group
  FROM {{ ref(activities) }} AS a
  LEFT JOIN {{ ref(sport_groups) }} AS g ON g.sport_type = a.sport_type
  -- Normalized power from the activity's own file, when the export had one.
  LEFT JOIN (
    SELECT activity_id, normalized_power_w AS stream_normalized_watts
    FROM {{ ref(activity_streams) }}
  ) AS st ON st.activity_id = a.id
),
-- The settings entry of each activity: an inner range join, then an equality
-- LEFT JOIN back (BigQuery refuses a LEFT JOIN without an equality condition).
in_force AS (
  SELECT
    b.id,
    s.ftp_w, s.max_hr, s.resting_hr, s.threshold_hr, s.weight_kg, s.sex
  FROM base AS b
  JOIN settings AS s
    ON (b.local_date >= s.effective_from OR s.is_first)
   AND (s.next_from IS NULL OR b.local_date < s.next_from)
),
joined AS (
  SELECT
    b.*,
    s.ftp_w, s.max_hr, s.resting_hr, s.threshold_hr, s.weight_kg, s.sex,
    c.foot_flat_m_per_climb_m, c.ride_flat_m_per_climb_m,
    CASE WHEN b.device_watts THEN {{ float64(b.weighted_average_watts) }} END AS np,
    -- Load and intensity use the power meter's summary, else the file's NP
    -- (export rows never say device_watts).
    COALESCE(CASE WHEN b.device_watts THEN {{ float64(b.weighted_average_watts) }} END,
             b.stream_normalized_watts) AS np_for_load,
    -- Heart-rate reserve fractions, before clamping (NULL when unknown).
    (b.average_heartrate - s.resting_hr) / NULLIF(s.max_hr - s.resting_hr, 0) AS hrr_unclamped,
    (s.threshold_hr - s.resting_hr) / NULLIF(s.max_hr - s.resting_hr, 0) AS hrr_threshold_unclamped,
    CASE WHEN s.sex = 'F' THEN c.trimp_a_female ELSE c.trimp_a_male END AS trimp_a,
    CASE WHEN s.sex = 'F' THEN c.trimp_b_female ELSE c.trimp_b_male END AS trimp_b
  FROM base AS b
  CROSS JOIN {{ ref(metric_constants) }} AS c
  LEFT JOIN in_force AS s ON s.id = b.id
),
-- Clamped to [0, 1]; unknown stays unknown. The CASE is needed: DuckDB's
-- LEAST and GREATEST skip a NULL (LEAST(1.0, NULL) = 1.0, a maximal effort)
-- where BigQuery's return NULL.
clamped AS (
  SELECT
    *,
    CASE WHEN hrr_unclamped IS NOT NULL THEN GREATEST(0.0, LEAST(1.0, hrr_unclamped)) END AS hrr,
    CASE WHEN hrr_threshold_unclamped IS NOT NULL
         THEN GREATEST(0.0, LEAST(1.0, hrr_threshold_unclamped)) END AS hrr_threshold
  FROM joined
),
metrics AS (
  SELECT
    *,
    np_for_load / NULLIF(ftp_w, 0) AS if_raw,
    CASE WHEN has_heartrate AND average_heartrate IS NOT NULL
         THEN moving_time / 60.0 * hrr * trimp_a * EXP(trimp_b * hrr) END AS trimp_raw,
    60.0 * hrr_threshold * trimp_a * EXP(trimp_b * hrr_threshold) AS trimp_threshold_hour
  FROM clamped
),
loads AS (
  SELECT
    *,
    CASE WHEN sport_group = 'ride' AND np_for_load IS NOT NULL AND ftp_w > 0
         THEN moving_time / 3600.0 * if_raw * if_raw * 100.0 END AS tss_raw,
    100.0 * trimp_raw / NULLIF(trimp_threshold_hour, 0) AS hr_tss_raw
  FROM metrics
)
SELECT
  id,
  name,
  sport_type,
  sport_group,
  start_date,
  local_date,
  {{ date_trunc(week, local_date) }} AS week_start,
  {{ date_trunc(month, local_date) }} AS month_start,
  {{ date_trunc(quarter, local_date) }} AS quarter_start,
  EXTRACT(YEAR FROM local_date) AS year,
  distance / 1000.0 AS distance_km,
  moving_time / 3600.0 AS moving_time_h,
  elapsed_time / 3600.0 AS elapsed_time_h,
  total_elevation_gain AS elevation_gain_m,
  average_speed * 3.6 AS avg_speed_kmh,
  CASE WHEN sport_group IN ('run', 'walk_hike') AND distance > 0
       THEN (moving_time / 60.0) / (distance / 1000.0) END AS pace_min_per_km,
  total_elevation_gain / NULLIF(distance / 1000.0, 0) AS climb_m_per_km,
  total_elevation_gain / NULLIF(moving_time / 3600.0, 0) AS vam_m_per_h,
  average_heartrate AS avg_heartrate,
  max_heartrate AS max_heartrate,
  average_watts AS avg_watts,
  np AS normalized_watts,
  stream_normalized_watts,
  kilojoules AS work_kj,
  average_watts / NULLIF(weight_kg, 0) AS watts_per_kg,
  if_raw AS intensity_factor,
  tss_raw AS tss,
  trimp_raw AS trimp,
  hr_tss_raw AS hr_tss,
  COALESCE(tss_raw, hr_tss_raw) AS training_load,
  CASE WHEN tss_raw IS NOT NULL THEN 'power'
       WHEN hr_tss_raw IS NOT NULL THEN 'heart_rate'
       ELSE 'none' END AS load_source,
  suffer_score AS relative_effort,
  CASE WHEN sport_group IN ('run', 'walk_hike')
       THEN (distance + foot_flat_m_per_climb_m * COALESCE(total_elevation_gain, 0)) / 1000.0
       WHEN sport_group = 'ride'
       THEN (distance + ride_flat_m_per_climb_m * COALESCE(total_elevation_gain, 0)) / 1000.0
  END AS equivalent_flat_km,
  trainer,
  commute,
  manual
FROM loads
