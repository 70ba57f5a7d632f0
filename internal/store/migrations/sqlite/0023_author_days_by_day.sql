-- author_days by day: the top authors of a short period (under two weeks)
-- read the period's rows only, where the primary key (author first) made
-- them visit every row of the workspace (a day of 1M mentions: 12k rows of
-- 747k). The columns summed are in the index, so the table is not read.
CREATE INDEX author_days_day ON author_days (workspace_id, day, author_id, n, engagement, followers);
