//! A site's content written straight into its store, for the desk's tests
//! (stories in the admin, its charts): outlets, articles, stories.

use newsroom_core::{ArticleId, FullTextMode, NewArticle, NewSource, SourceId, StoryId};
use newsroom_store::Store;

/// The outlet `name` (`http://127.0.0.1:9/{name}.xml`), added when it is new.
pub async fn outlet(store: &dyn Store, name: &str, t: i64) -> SourceId {
    let feed_url = format!("http://127.0.0.1:9/{name}.xml");
    if let Some(s) = store.source_by_feed_url(&feed_url).await.unwrap() {
        return s.id;
    }
    let new = NewSource {
        name: name.into(),
        feed_url,
        site_url: None,
        section_id: None,
        full_text: FullTextMode::Never,
    };
    store.add_source(&new, t).await.unwrap().id
}

/// An article of `outlet` published and stored at `t`.
pub async fn stored_article(
    store: &dyn Store,
    outlet_name: &str,
    title: &str,
    t: i64,
) -> ArticleId {
    let source_id = outlet(store, outlet_name, t).await;
    let slug: String = title.chars().filter(char::is_ascii_alphanumeric).collect();
    let url = format!("https://{outlet_name}.test/{slug}");
    let a = NewArticle {
        source_id,
        guid: Some(slug),
        canonical_url: url.clone(),
        original_url: url,
        title: title.to_string(),
        summary: format!("{outlet_name}: {title}."),
        published_at: t,
        fetched_at: t,
        ..NewArticle::default()
    };
    store.upsert_article(&a, t).await.unwrap().id.unwrap()
}

/// A story of `articles`, led by the first.
pub async fn story_of(store: &dyn Store, articles: &[ArticleId], t: i64) -> StoryId {
    let story = store.create_story(articles[0], t).await.unwrap();
    for a in &articles[1..] {
        store.assign_story(*a, story, t).await.unwrap();
    }
    story
}
