-- A source's id is never given to another source (found by an outside
-- trial): posts of feeds, imports and the simulator are known by their
-- source ("src/12/<id>"), and stay when their source is deleted. SQLite
-- gives a new row the largest id plus one, so deleting the newest source
-- and adding another handed its id on, and the new feed's items were taken
-- for the old one's and dropped as known. source_id_mark keeps the largest
-- id a source ever had; new sources are numbered after it (store.go's
-- newSourceID). PostgreSQL's identity sequence never goes back.
CREATE TABLE source_id_mark (hwm INTEGER NOT NULL);
INSERT INTO source_id_mark (hwm) SELECT MAX(
    COALESCE((SELECT MAX(id) FROM sources), 0),
    COALESCE((SELECT MAX(CAST(substr(external_id, 5, instr(substr(external_id, 5), '/') - 1) AS INTEGER))
        FROM posts WHERE external_id LIKE 'src/%'), 0));
CREATE TRIGGER sources_deleted_mark AFTER DELETE ON sources BEGIN
    UPDATE source_id_mark SET hwm = MAX(hwm, old.id);
END;
