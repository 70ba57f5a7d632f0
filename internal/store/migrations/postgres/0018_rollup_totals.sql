-- Totals of the rollups per monitor set, bucket and sentiment (the sum of
-- the 'post' rows, whatever their source, language and country), kept in
-- the same transactions as the rollups (writeRollupTotals,
-- dropFromRollups). A listing's count and an overview's volumes read a few
-- rows per set and day here where the rollups hold hundreds (one per
-- combination): at 1M mentions, summing 60 days of a workspace's rollups
-- was most of the CPU of a first page of /api/v1/mentions.
--
-- version changes (to a random stamp) whenever any rollup row it sums
-- changes, even when the total does not: a cached count of those rows
-- (filters the totals cannot answer) is valid while the versions of its
-- days are unchanged.
CREATE TABLE rollup_hour_totals (
    set_id    BIGINT NOT NULL REFERENCES monitor_sets (id) ON DELETE CASCADE,
    bucket    BIGINT NOT NULL,
    sentiment TEXT NOT NULL,
    n         BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    PRIMARY KEY (set_id, bucket, sentiment)
);

CREATE TABLE rollup_day_totals (
    set_id    BIGINT NOT NULL REFERENCES monitor_sets (id) ON DELETE CASCADE,
    bucket    BIGINT NOT NULL,
    sentiment TEXT NOT NULL,
    n         BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    PRIMARY KEY (set_id, bucket, sentiment)
);

INSERT INTO rollup_hour_totals (set_id, bucket, sentiment, n, version)
    SELECT set_id, bucket, split_part(value, chr(31), 1), SUM(n), 0
    FROM rollup_hours WHERE dim = 'post'
    GROUP BY 1, 2, 3;

INSERT INTO rollup_day_totals (set_id, bucket, sentiment, n, version)
    SELECT set_id, bucket, split_part(value, chr(31), 1), SUM(n), 0
    FROM rollup_days WHERE dim = 'post'
    GROUP BY 1, 2, 3;
