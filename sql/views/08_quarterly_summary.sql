-- quarterly_summary: period_summary's quarters (local date): every column of it but
-- `period`, in its order.
-- key: period_start, sport_group
CREATE OR REPLACE VIEW {{ ref(quarterly_summary) }} AS
SELECT
  {{ star_except(period) }}
FROM {{ ref(period_summary) }}
WHERE period = 'quarter'
