-- daily_training_load (GoogleSQL): one row per local calendar day from the
-- first activity to today (CURRENT_DATE, UTC), rest days included, with the
-- Banister/Coggan load model; the BigQuery twin of sql/duckdb/02_daily_training_load.sql:
--   CTL_d = CTL_(d-1) + (load_d - CTL_(d-1)) * (1 - exp(-1/42)), ATL the same with 7,
--   both 0 before the first day; tsb = CTL_(d-1) - ATL_(d-1); ramp_7d = CTL_d - CTL_(d-7).
-- No recursion (BigQuery caps it): CTL_d = (1 - l) * sum_j load_(d-j) * l^j with
-- l = exp(-1/tau), over the last 365 days. The weight left out is l^366:
-- 0.017 % for CTL (below the 0.1 % the design allows) and 1e-23 for ATL;
-- within the first 365 days of the history the sums are exact.
CREATE OR REPLACE VIEW `${dataset}.daily_training_load` AS
WITH bounds AS (
  SELECT MIN(local_date) AS first_day FROM `${dataset}.activity_metrics`
),
days AS (
  SELECT date
  FROM bounds, UNNEST(GENERATE_DATE_ARRAY(first_day, CURRENT_DATE(), INTERVAL 1 DAY)) AS date
  WHERE first_day IS NOT NULL
),
per_day AS (
  SELECT
    local_date AS date,
    COUNT(*) AS activities,
    SUM(distance_km) AS distance_km,
    SUM(COALESCE(training_load, 0)) AS load
  FROM `${dataset}.activity_metrics`
  GROUP BY local_date
),
spine AS (
  SELECT
    d.date,
    COALESCE(p.activities, 0) AS activities,
    COALESCE(p.distance_km, 0) AS distance_km,
    COALESCE(p.load, 0) AS load
  FROM days AS d
  LEFT JOIN per_day AS p ON p.date = d.date
),
ewma AS (
  SELECT
    s.date,
    (1 - EXP(-1 / 42.0)) * SUM(w.load * EXP(-DATE_DIFF(s.date, w.date, DAY) / 42.0)) AS ctl,
    (1 - EXP(-1 / 7.0)) * SUM(w.load * EXP(-DATE_DIFF(s.date, w.date, DAY) / 7.0)) AS atl
  FROM spine AS s
  JOIN spine AS w ON w.date BETWEEN DATE_SUB(s.date, INTERVAL 365 DAY) AND s.date
  GROUP BY s.date
)
SELECT
  s.date,
  s.activities,
  s.distance_km,
  s.load,
  e.ctl,
  e.atl,
  COALESCE(LAG(e.ctl) OVER (ORDER BY s.date), 0) - COALESCE(LAG(e.atl) OVER (ORDER BY s.date), 0) AS tsb,
  e.ctl - COALESCE(LAG(e.ctl, 7) OVER (ORDER BY s.date), 0) AS ramp_7d
FROM spine AS s
JOIN ewma AS e ON e.date = s.date
