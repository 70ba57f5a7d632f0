-- Scale-out (issue 14): several ingest processes share the sources. A
-- process claims a due source by moving its next check past a lease and
-- writing its name here; a stream it left connected is resumed at its
-- next start by the process of the same name only.
ALTER TABLE sources ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
