-- Why each article is in its story (issue 15): the clusterer's reason (its
-- score against the threshold, the terms and names it shares, a
-- near-duplicate fold, or that it opened the story) or the editor who put
-- it there (merge, split, lead), as one bounded JSON value (at most eight
-- terms and eight names; see `reasons.rs`). Replaced by every re-clustering
-- and every editor's move; NULL for articles filed before this migration.
-- Not in the cache triggers' list: no public page shows it.
ALTER TABLE articles ADD COLUMN story_reason TEXT;
