-- monthly_summary (GoogleSQL): period_summary's months (local date). Twin of
-- sql/duckdb/05_monthly_summary.sql.
CREATE OR REPLACE VIEW `${dataset}.monthly_summary` AS
SELECT
  period_start, sport_group, activities, distance_km, moving_time_h, elevation_gain_m, work_kj,
  avg_speed_kmh, avg_watts, avg_heartrate, training_load, ytd_distance_km
FROM `${dataset}.period_summary`
WHERE period = 'month'
