-- Scale-out (issue 14): several ingest processes share the sources. A
-- process claims a due source by moving its next check to the end of a
-- lease (lease_until) under its name; the run's end writes another next
-- check. A process started again gives back at once the claims its host
-- left (next check still at lease_until), and resumes its host's streams.
ALTER TABLE sources ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN lease_until TIMESTAMPTZ;
