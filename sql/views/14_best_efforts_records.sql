-- best_efforts_records: per sport group and distance, the fastest effort
-- all-time and per calendar year, with its pace and speed. Ties go to the
-- earliest activity. Empty until a sync reads the export's activity files.
-- key: sport_group, period, year, distance_m
CREATE OR REPLACE VIEW {{ ref(best_efforts_records) }} AS
WITH periods AS (
  SELECT 'all_time' AS period
  UNION ALL
  SELECT 'year'
),
-- Each effort once per period: its calendar year's, and all-time's (year NULL).
efforts AS (
  SELECT
    m.sport_group,
    p.period,
    CASE WHEN p.period = 'year' THEN m.year END AS period_year,
    e.distance_m,
    e.elapsed_s,
    e.activity_id,
    m.local_date,
    m.start_date
  FROM {{ ref(best_efforts) }} AS e
  JOIN {{ ref(activity_metrics) }} AS m ON m.id = e.activity_id
  CROSS JOIN periods AS p
),
-- GoogleSQL refuses to partition by a FLOAT64: the distance's text stands
-- in for it (STRING is VARCHAR in DuckDB).
ranked AS (
  SELECT *, ROW_NUMBER() OVER (
    PARTITION BY sport_group, period, period_year, CAST(distance_m AS STRING)
    ORDER BY elapsed_s, start_date, activity_id
  ) AS rank_in_period
  FROM efforts
)
SELECT
  sport_group,
  period,
  period_year AS year,
  distance_m,
  elapsed_s,
  (elapsed_s / 60.0) / (distance_m / 1000.0) AS pace_min_per_km,
  (distance_m / 1000.0) / (elapsed_s / 3600.0) AS speed_kmh,
  activity_id,
  local_date
FROM ranked
WHERE rank_in_period = 1
