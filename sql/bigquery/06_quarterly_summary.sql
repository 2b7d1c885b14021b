-- quarterly_summary (GoogleSQL): period_summary's quarters (local date). Twin
-- of sql/duckdb/06_quarterly_summary.sql.
CREATE OR REPLACE VIEW `${dataset}.quarterly_summary` AS
SELECT
  period_start, sport_group, activities, distance_km, moving_time_h, elevation_gain_m, work_kj,
  avg_speed_kmh, avg_watts, avg_heartrate, training_load, ytd_distance_km
FROM `${dataset}.period_summary`
WHERE period = 'quarter'
