-- personal_records: per sport_group, the longest distance, the longest moving
-- time, the most climbing and the best normalized power of rides of an hour
-- or more. Ties go to the earliest activity.
-- key: sport_group, record
CREATE OR REPLACE VIEW {{ ref(personal_records) }} AS
-- One scan of activity_metrics, each row paired with each record (a scan per
-- record cost four times the bytes on BigQuery and the time on DuckDB).
WITH records AS (
  SELECT 'longest_distance_km' AS record UNION ALL
  SELECT 'longest_moving_time_h' UNION ALL
  SELECT 'most_elevation_gain_m' UNION ALL
  SELECT 'best_normalized_watts_60min_plus'
),
candidates AS (
  SELECT
    m.sport_group,
    r.record,
    CASE r.record
      WHEN 'longest_distance_km' THEN CASE WHEN m.distance_km > 0 THEN m.distance_km END
      WHEN 'longest_moving_time_h' THEN CASE WHEN m.moving_time_h > 0 THEN m.moving_time_h END
      WHEN 'most_elevation_gain_m' THEN CASE WHEN m.elevation_gain_m > 0 THEN m.elevation_gain_m END
      WHEN 'best_normalized_watts_60min_plus' THEN CASE WHEN m.moving_time_h >= 1 THEN m.normalized_watts END
    END AS value,
    m.id,
    m.local_date,
    m.start_date
  FROM {{ ref(activity_metrics) }} AS m
  CROSS JOIN records AS r
),
-- The best value per record by aggregation first, so that only the
-- activities reaching it are sorted for the earliest (a window over every
-- candidate sorts them all: benches/README.md, "Report").
best AS (
  SELECT sport_group, record, MAX(value) AS value
  FROM candidates
  GROUP BY sport_group, record
),
ranked AS (
  SELECT c.*, ROW_NUMBER() OVER (
    PARTITION BY c.sport_group, c.record ORDER BY c.start_date, c.id
  ) AS rank_in_record
  FROM candidates AS c
  JOIN best AS b ON b.sport_group = c.sport_group AND b.record = c.record AND b.value = c.value
)
SELECT sport_group, record, value, id AS activity_id, local_date
FROM ranked
WHERE rank_in_record = 1
