-- sport_groups: the sport_group each Strava sport_type counts in, defined
-- here once. A sport_type not listed is 'other' (activity_metrics).
-- key: sport_type
CREATE OR REPLACE VIEW {{ ref(sport_groups) }} AS
SELECT sport_type, 'ride' AS sport_group
FROM {{ unnest(['Ride', 'VirtualRide', 'GravelRide', 'MountainBikeRide', 'EBikeRide',
                'EMountainBikeRide', 'Velomobile', 'Handcycle'], sport_type) }}
UNION ALL
SELECT sport_type, 'run' FROM {{ unnest(['Run', 'TrailRun', 'VirtualRun'], sport_type) }}
UNION ALL
SELECT sport_type, 'swim' FROM {{ unnest(['Swim'], sport_type) }}
UNION ALL
SELECT sport_type, 'walk_hike' FROM {{ unnest(['Walk', 'Hike'], sport_type) }}
