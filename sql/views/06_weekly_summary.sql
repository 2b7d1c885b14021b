-- weekly_summary: period_summary's weeks (Monday start, local date), plus
-- distance_km_4wk_avg: this week and the 3 before it, divided by 4 (weeks
-- before the group's first activity count as zero).
-- key: period_start, sport_group
CREATE OR REPLACE VIEW {{ ref(weekly_summary) }} AS
-- Every column of period_summary but `period`, in its order.
SELECT
  {{ star_except(period) }},
  SUM(distance_km) OVER (
    PARTITION BY sport_group ORDER BY period_start ROWS BETWEEN 3 PRECEDING AND CURRENT ROW
  ) / 4.0 AS distance_km_4wk_avg
FROM {{ ref(period_summary) }}
WHERE period = 'week'
