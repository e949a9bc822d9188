-- Visit claims keyed by article first, as on SQLite: the views of one
-- article in a flush land in the same pages of the key's index instead of
-- one random page each (the visitor is a keyed hash), and the flush takes
-- its row locks in (article, visitor) order.
ALTER TABLE view_visits DROP CONSTRAINT view_visits_pkey;
ALTER TABLE view_visits ADD PRIMARY KEY (article_id, visitor);
