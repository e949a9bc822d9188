-- A story's members by status, time and outlet, from the index alone: the
-- status, time and source of an article sit after its bodies in the row, so
-- counting a story's published members and outlets (`story_reach`, the
-- story block of an article page: `story_members`) read each member's
-- overflow pages from the table.
CREATE INDEX articles_story_members ON articles(story_id, status, published_at, id, source_id);
