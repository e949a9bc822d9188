//! What the public site lists, as one SQL condition every public query
//! shares (its own module: the search, view and story queries all use it).

/// The condition an article (`$a`, its table's alias) meets to be listed
/// on the public site: published, and not in a story an editor hid. Every
/// public list uses it: latest, home, sections, most read, feeds,
/// sitemaps, search, the API. The hidden stories are read once per
/// statement, through their partial index.
macro_rules! listed {
    ($a:literal) => {
        concat!(
            $a,
            ".status = 'published' AND (",
            $a,
            ".story_id IS NULL OR ",
            $a,
            ".story_id NOT IN (SELECT id FROM stories WHERE hidden = 1))"
        )
    };
}
pub(crate) use listed;
