-- monthly_summary: period_summary's months (local date): every column of it but
-- `period`, in its order.
-- key: period_start, sport_group
CREATE OR REPLACE VIEW {{ ref(monthly_summary) }} AS
SELECT
  {{ star_except(period) }}
FROM {{ ref(period_summary) }}
WHERE period = 'month'
