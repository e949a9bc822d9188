-- Editors' decisions about stories (issue 15), which the clusterer keeps:
-- a title of their own, a lead they chose (`editor_lead` = 1 keeps
-- `lead_article_id` as it is when members come and go), pinned until a
-- time, hidden, and, for a story merged into another, where it went (its
-- page answers 301 there; articles the clusterer still files under it land
-- in the target). An article an editor moved (`story_locked` = 1) stays in
-- the story the editor put it in.
ALTER TABLE stories ADD COLUMN editor_title TEXT;
ALTER TABLE stories ADD COLUMN editor_lead INTEGER DEFAULT 0;
ALTER TABLE stories ADD COLUMN pinned_until INTEGER;
ALTER TABLE stories ADD COLUMN hidden INTEGER DEFAULT 0;
ALTER TABLE stories ADD COLUMN merged_into INTEGER;
ALTER TABLE articles ADD COLUMN story_locked INTEGER DEFAULT 0;
CREATE INDEX stories_pinned ON stories(pinned_until) WHERE pinned_until IS NOT NULL;
-- Public lists leave out the hidden stories' articles, reading the few
-- hidden stories through this index once per statement.
CREATE INDEX stories_hidden ON stories(id) WHERE hidden = 1;
