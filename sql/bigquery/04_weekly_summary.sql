-- weekly_summary (GoogleSQL): period_summary's weeks (Monday start, local
-- date), plus distance_km_4wk_avg: this week and the 3 before it, divided by 4
-- (weeks before the group's first activity count as zero). Twin of
-- sql/duckdb/04_weekly_summary.sql.
CREATE OR REPLACE VIEW `${dataset}.weekly_summary` AS
SELECT
  period_start, sport_group, activities, distance_km, moving_time_h, elevation_gain_m, work_kj,
  avg_speed_kmh, avg_watts, avg_heartrate, training_load, ytd_distance_km,
  SUM(distance_km) OVER (
    PARTITION BY sport_group ORDER BY period_start ROWS BETWEEN 3 PRECEDING AND CURRENT ROW
  ) / 4.0 AS distance_km_4wk_avg
FROM `${dataset}.period_summary`
WHERE period = 'week'
