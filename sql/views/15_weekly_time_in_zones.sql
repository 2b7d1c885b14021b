-- weekly_time_in_zones: per local week (Monday start), kind (power,
-- heart_rate) and zone, the hours spent in the zone and the activities that
-- have zones of that kind that week. Empty until a sync reads the export's
-- activity files.
-- key: week_start, kind, zone
CREATE OR REPLACE VIEW {{ ref(weekly_time_in_zones) }} AS
SELECT
  m.week_start,
  z.kind,
  z.zone,
  SUM(z.seconds) / 3600.0 AS hours,
  COUNT(DISTINCT z.activity_id) AS activities
FROM {{ ref(time_in_zones) }} AS z
JOIN {{ ref(activity_metrics) }} AS m ON m.id = z.activity_id
GROUP BY m.week_start, z.kind, z.zone
