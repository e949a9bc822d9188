-- Feed item ids were `{site.base_url}/news/{id}`. A site that has articles
-- already keeps the ids it gave out: `legacy` tells the web layer to fix
-- their base at its next start (`newsroom_web::feed_ids`). A new site gets
-- tag: URIs that do not depend on its address.
INSERT INTO meta (key, value)
SELECT 'feed_id_base', 'legacy'
WHERE EXISTS (SELECT 1 FROM articles)
ON CONFLICT (key) DO NOTHING;
