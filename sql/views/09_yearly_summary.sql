-- yearly_summary: period_summary's years (local date), plus the previous
-- year's distance and the change in percent (NULL for the first year).
-- key: period_start, sport_group
CREATE OR REPLACE VIEW {{ ref(yearly_summary) }} AS
-- Every column of period_summary but `period`, in its order.
SELECT
  {{ star_except(period) }},
  LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start) AS distance_km_prev_year,
  100.0 * (distance_km - LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start))
    / NULLIF(LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start), 0) AS yoy_change_pct
FROM {{ ref(period_summary) }}
WHERE period = 'year'
