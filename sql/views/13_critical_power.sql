-- critical_power: the 2-parameter model P = W'/t + CP fitted by least squares
-- (P against 1/t) to the best 3-, 5-, 12- and 20-minute efforts of the last 90
-- days and of each calendar year (from power_duration_curve). cp_w and
-- w_prime_j are NULL where fewer than three of those durations exist;
-- eftp_w (estimated FTP) is CP.
-- key: period, year
CREATE OR REPLACE VIEW {{ ref(critical_power) }} AS
WITH points AS (
  SELECT period, year, 1.0 / duration_s AS x, watts AS y
  FROM {{ ref(power_duration_curve) }}
  WHERE period IN ('last_90_days', 'year') AND duration_s IN (180, 300, 720, 1200)
),
fit AS (
  SELECT
    period, year,
    COUNT(*) AS durations,
    COVAR_POP(y, x) / NULLIF(VAR_POP(x), 0) AS slope,
    AVG(x) AS mean_x,
    AVG(y) AS mean_y
  FROM points
  GROUP BY period, year
)
SELECT
  period,
  year,
  durations,
  CASE WHEN durations >= 3 THEN mean_y - slope * mean_x END AS cp_w,
  CASE WHEN durations >= 3 THEN slope END AS w_prime_j,
  CASE WHEN durations >= 3 THEN mean_y - slope * mean_x END AS eftp_w
FROM fit
