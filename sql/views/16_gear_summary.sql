-- gear_summary: per bike or pair of shoes, all-time and per calendar year:
-- activities, distance, moving time, and the first and last local date it
-- was used. Gear no activity names is not listed; gear activities name that
-- the gear table lacks has a NULL name and kind. strava_total_km (all-time
-- rows) is Strava's own running total from the profile, which also counts
-- activities this warehouse does not hold.
-- key: gear_id, period, year
CREATE OR REPLACE VIEW {{ ref(gear_summary) }} AS
WITH used AS (
  SELECT a.gear_id, m.year, m.distance_km, m.moving_time_h, m.local_date
  FROM {{ ref(activities) }} AS a
  JOIN {{ ref(activity_metrics) }} AS m ON m.id = a.id
  WHERE a.gear_id IS NOT NULL
),
by_year AS (
  SELECT
    gear_id,
    year,
    COUNT(*) AS activities,
    SUM(distance_km) AS distance_km,
    SUM(moving_time_h) AS moving_time_h,
    MIN(local_date) AS first_used,
    MAX(local_date) AS last_used
  FROM used
  GROUP BY gear_id, year
),
-- Each gear's all-time row (year NULL) from its years. Not ROLLUP: Google's
-- reference engine, which checks these views in CI, does not run it.
totals AS (
  SELECT * FROM by_year
  UNION ALL
  SELECT
    gear_id,
    NULL,
    -- DuckDB sums BIGINT into HUGEINT; BigQuery's INT64 is DuckDB's BIGINT.
    CAST(SUM(activities) AS INT64),
    SUM(distance_km),
    SUM(moving_time_h),
    MIN(first_used),
    MAX(last_used)
  FROM by_year
  GROUP BY gear_id
)
SELECT
  t.gear_id,
  g.name,
  g.kind,
  CASE WHEN t.year IS NULL THEN 'all_time' ELSE 'year' END AS period,
  t.year,
  t.activities,
  t.distance_km,
  t.moving_time_h,
  t.first_used,
  t.last_used,
  CASE WHEN t.year IS NULL THEN g.distance_m / 1000.0 END AS strava_total_km
FROM totals AS t
LEFT JOIN {{ ref(gear) }} AS g ON g.gear_id = t.gear_id
