-- power_duration_curve: per duration of the power_curve ladder, the best
-- watts all-time, in the last 42, 90 and 365 days (the local days up to and
-- including today), and per calendar year, each with its activity and local
-- date. Ties go to the earliest activity. Empty until a sync reads the
-- export's activity files (power_curve).
-- key: period, year, duration_s
CREATE OR REPLACE VIEW {{ ref(power_duration_curve) }} AS
WITH efforts AS (
  SELECT p.duration_s, p.watts, p.activity_id, m.local_date, m.start_date, m.year
  FROM {{ ref(power_curve) }} AS p
  JOIN {{ ref(activity_metrics) }} AS m ON m.id = p.activity_id
),
-- The 'year' branch comes first: it gives period_year its type, so the NULLs
-- of the other branches need no dialect's cast.
periods AS (
  SELECT 'year' AS period, year AS period_year, * FROM efforts
  UNION ALL
  SELECT 'all_time', NULL, * FROM efforts
  UNION ALL
  SELECT 'last_42_days', NULL, * FROM efforts
  WHERE local_date > {{ date_add_days({{ today() }}, -42) }}
  UNION ALL
  SELECT 'last_90_days', NULL, * FROM efforts
  WHERE local_date > {{ date_add_days({{ today() }}, -90) }}
  UNION ALL
  SELECT 'last_365_days', NULL, * FROM efforts
  WHERE local_date > {{ date_add_days({{ today() }}, -365) }}
),
ranked AS (
  SELECT *, ROW_NUMBER() OVER (
    PARTITION BY period, period_year, duration_s ORDER BY watts DESC, start_date, activity_id
  ) AS rank_in_period
  FROM periods
)
SELECT period, period_year AS year, duration_s, watts, activity_id, local_date
FROM ranked
WHERE rank_in_period = 1
