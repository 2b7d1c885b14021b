-- personal_records: per sport_group, the longest distance, the longest moving
-- time, the most climbing and the best normalized power of rides of an hour
-- or more. Ties go to the earliest activity.
-- key: sport_group, record
CREATE OR REPLACE VIEW {{ ref(personal_records) }} AS
WITH candidates AS (
  SELECT sport_group, 'longest_distance_km' AS record, distance_km AS value, id, local_date, start_date
  FROM {{ ref(activity_metrics) }} WHERE distance_km > 0
  UNION ALL
  SELECT sport_group, 'longest_moving_time_h', moving_time_h, id, local_date, start_date
  FROM {{ ref(activity_metrics) }} WHERE moving_time_h > 0
  UNION ALL
  SELECT sport_group, 'most_elevation_gain_m', elevation_gain_m, id, local_date, start_date
  FROM {{ ref(activity_metrics) }} WHERE elevation_gain_m > 0
  UNION ALL
  SELECT sport_group, 'best_normalized_watts_60min_plus', normalized_watts, id, local_date, start_date
  FROM {{ ref(activity_metrics) }} WHERE normalized_watts IS NOT NULL AND moving_time_h >= 1
),
ranked AS (
  SELECT *, ROW_NUMBER() OVER (
    PARTITION BY sport_group, record ORDER BY value DESC, start_date, id
  ) AS rank_in_record
  FROM candidates
)
SELECT sport_group, record, value, id AS activity_id, local_date
FROM ranked
WHERE rank_in_record = 1
