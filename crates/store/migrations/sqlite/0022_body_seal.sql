-- The seal of a body that this site's sanitiser produced (a keyed hash of
-- the HTML and the sanitiser's version, `newsroom_ingest::seal`). The web
-- layer serves a body whose seal matches without sanitising it again; a
-- body without one (older rows, rows written by hand) is sanitised as before.
ALTER TABLE articles ADD COLUMN body_seal TEXT;
