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
-- ROLLUP adds each gear's all-time row (year NULL) and a grand total (gear
-- NULL, dropped below); a year is never NULL otherwise.
totals AS (
  SELECT
    gear_id,
    year,
    COUNT(*) AS activities,
    SUM(distance_km) AS distance_km,
    SUM(moving_time_h) AS moving_time_h,
    MIN(local_date) AS first_used,
    MAX(local_date) AS last_used
  FROM used
  GROUP BY ROLLUP (gear_id, year)
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
WHERE t.gear_id IS NOT NULL
