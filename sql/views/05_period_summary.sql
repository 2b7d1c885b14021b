-- period_summary: the one place period totals are computed, for weeks (Monday
-- start), months, quarters and years of the LOCAL date, one row per period and
-- sport_group, every period from the group's first to its last activity, zeros
-- where there were none. weekly/monthly/quarterly/yearly_summary select from it.
-- key: period, period_start, sport_group
CREATE OR REPLACE VIEW {{ ref(period_summary) }} AS
WITH tagged AS (
  SELECT 'week' AS period, week_start AS period_start, * FROM {{ ref(activity_metrics) }}
  UNION ALL SELECT 'month', month_start, * FROM {{ ref(activity_metrics) }}
  UNION ALL SELECT 'quarter', quarter_start, * FROM {{ ref(activity_metrics) }}
  UNION ALL SELECT 'year', {{ date_trunc(year, local_date) }}, * FROM {{ ref(activity_metrics) }}
),
bounds AS (
  SELECT period, sport_group, MIN(period_start) AS first_start, MAX(period_start) AS last_start
  FROM tagged
  GROUP BY period, sport_group
),
periods AS (
  SELECT b.period, b.sport_group, period_start
  FROM bounds AS b, {{ unnest(CASE b.period
      WHEN 'week' THEN {{ date_array(b.first_start, b.last_start, 7 DAY) }}
      WHEN 'month' THEN {{ date_array(b.first_start, b.last_start, 1 MONTH) }}
      WHEN 'quarter' THEN {{ date_array(b.first_start, b.last_start, 3 MONTH) }}
      ELSE {{ date_array(b.first_start, b.last_start, 1 YEAR) }}
    END, period_start) }}
),
totals AS (
  SELECT
    period,
    period_start,
    sport_group,
    COUNT(*) AS activities,
    SUM(distance_km) AS distance_km,
    SUM(moving_time_h) AS moving_time_h,
    SUM(elevation_gain_m) AS elevation_gain_m,
    SUM(work_kj) AS work_kj,
    -- Averages weighted by moving time, over the activities that have the value.
    SUM(CASE WHEN avg_watts IS NOT NULL THEN avg_watts * moving_time_h END)
      / NULLIF(SUM(CASE WHEN avg_watts IS NOT NULL THEN moving_time_h END), 0) AS avg_watts,
    SUM(CASE WHEN avg_heartrate IS NOT NULL THEN avg_heartrate * moving_time_h END)
      / NULLIF(SUM(CASE WHEN avg_heartrate IS NOT NULL THEN moving_time_h END), 0) AS avg_heartrate,
    SUM(COALESCE(training_load, 0)) AS training_load
  FROM tagged
  GROUP BY period, period_start, sport_group
)
SELECT
  p.period,
  p.period_start,
  p.sport_group,
  COALESCE(t.activities, 0) AS activities,
  COALESCE(t.distance_km, 0) AS distance_km,
  COALESCE(t.moving_time_h, 0) AS moving_time_h,
  COALESCE(t.elevation_gain_m, 0) AS elevation_gain_m,
  COALESCE(t.work_kj, 0) AS work_kj,
  -- Total distance over total time, never an average of averages.
  t.distance_km / NULLIF(t.moving_time_h, 0) AS avg_speed_kmh,
  t.avg_watts,
  t.avg_heartrate,
  COALESCE(t.training_load, 0) AS training_load,
  SUM(COALESCE(t.distance_km, 0)) OVER (
    PARTITION BY p.period, p.sport_group, EXTRACT(YEAR FROM p.period_start)
    ORDER BY p.period_start ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS ytd_distance_km
FROM periods AS p
LEFT JOIN totals AS t
  ON t.period = p.period AND t.period_start = p.period_start AND t.sport_group = p.sport_group
