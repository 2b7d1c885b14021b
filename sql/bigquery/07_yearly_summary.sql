-- yearly_summary (GoogleSQL): period_summary's years (local date), plus the
-- previous year's distance and the change in percent (NULL for the first
-- year). Twin of sql/duckdb/07_yearly_summary.sql.
CREATE OR REPLACE VIEW `${dataset}.yearly_summary` AS
SELECT
  period_start, sport_group, activities, distance_km, moving_time_h, elevation_gain_m, work_kj,
  avg_speed_kmh, avg_watts, avg_heartrate, training_load, ytd_distance_km,
  LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start) AS distance_km_prev_year,
  100.0 * (distance_km - LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start))
    / NULLIF(LAG(distance_km) OVER (PARTITION BY sport_group ORDER BY period_start), 0) AS yoy_change_pct
FROM `${dataset}.period_summary`
WHERE period = 'year'
