-- Countries are stored in lower case, as queries (country:ch) and filters
-- compare them; posts stored before kept the source's case ("CH"), and so
-- did the dashboard's rollups, which split one country into two bars.
UPDATE posts SET country = lower(trim(country)) WHERE country <> lower(trim(country));

INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT set_id, dim, bucket, lower(trim(value)), SUM(n) FROM rollup_hours
    WHERE dim = 'country' AND value <> lower(trim(value))
    GROUP BY set_id, dim, bucket, lower(trim(value))
    ON CONFLICT (set_id, dim, bucket, value) DO UPDATE SET n = rollup_hours.n + excluded.n;
DELETE FROM rollup_hours WHERE dim = 'country' AND value <> lower(trim(value));

INSERT INTO rollup_days (set_id, dim, bucket, value, n)
    SELECT set_id, dim, bucket, lower(trim(value)), SUM(n) FROM rollup_days
    WHERE dim = 'country' AND value <> lower(trim(value))
    GROUP BY set_id, dim, bucket, lower(trim(value))
    ON CONFLICT (set_id, dim, bucket, value) DO UPDATE SET n = rollup_days.n + excluded.n;
DELETE FROM rollup_days WHERE dim = 'country' AND value <> lower(trim(value));
