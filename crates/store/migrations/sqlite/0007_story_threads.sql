-- Threads: every story belongs to one thread, a developing event that runs
-- over days (issue 16). A thread is named by the id of its first story, so
-- `thread_id` is a story id, and a story that opens a thread carries its own.
-- Stories stored before threads existed each become a thread of their own;
-- the clusterer threads the stories it opens from now on.
ALTER TABLE stories ADD COLUMN thread_id INTEGER;
UPDATE stories SET thread_id = id;
CREATE INDEX stories_thread ON stories(thread_id, first_seen);
