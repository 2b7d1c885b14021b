-- eddington: for rides and runs, in km and miles, the largest E such that on
-- at least E local days the day's summed distance was at least E. Days are
-- counted, not activities; distances are floored, as the definition needs.
-- key: sport_group, unit
CREATE OR REPLACE VIEW {{ ref(eddington) }} AS
WITH eddington_groups AS (
  SELECT 'ride' AS sport_group UNION ALL SELECT 'run'
),
units AS (
  SELECT 'km' AS unit, {{ float64(1) }} AS km_per_unit
  UNION ALL SELECT 'mi', km_per_mile FROM {{ ref(metric_constants) }}
),
days AS (
  SELECT sport_group, local_date, SUM(distance_km) AS km
  FROM {{ ref(activity_metrics) }}
  -- A day with no distance (manual entries) meets no target. Without this,
  -- LEAST(r, NULL) below would be r in DuckDB and NULL in BigQuery.
  WHERE sport_group IN ('ride', 'run') AND distance_km IS NOT NULL
  GROUP BY sport_group, local_date
),
day_units AS (
  SELECT d.sport_group, u.unit, FLOOR(d.km / u.km_per_unit) AS n
  FROM days AS d CROSS JOIN units AS u
),
ranked AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sport_group, unit ORDER BY n DESC) AS r
  FROM day_units
),
numbers AS (
  SELECT sport_group, unit, MAX(LEAST(r, n)) AS e
  FROM ranked
  GROUP BY sport_group, unit
),
combined AS (
  SELECT g.sport_group, u.unit, CAST(COALESCE(n.e, 0) AS INT64) AS eddington_number
  FROM eddington_groups AS g
  CROSS JOIN units AS u
  LEFT JOIN numbers AS n ON n.sport_group = g.sport_group AND n.unit = u.unit
),
next_counts AS (
  SELECT c.sport_group, c.unit, c.eddington_number,
         COUNT(d.n) AS days_at_or_above_next
  FROM combined AS c
  LEFT JOIN day_units AS d
    ON d.sport_group = c.sport_group AND d.unit = c.unit AND d.n >= c.eddington_number + 1
  GROUP BY c.sport_group, c.unit, c.eddington_number
)
SELECT
  sport_group,
  unit,
  eddington_number,
  days_at_or_above_next,
  eddington_number + 1 - days_at_or_above_next AS days_needed_for_next
FROM next_counts
