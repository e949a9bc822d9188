//! The chrome strings of the site's locale, looked up once at start so that
//! rendering never goes through Fluent.

use newsroom_core::Messages;

#[derive(Debug, Clone)]
pub struct Strings {
    pub latest_news: String,
    pub most_read: String,
    pub sections: String,
    pub home: String,
    pub video: String,
    pub video_lower: String,
    pub views: String,
    pub source: String,
    pub next_page: String,
    pub previous_page: String,
    pub not_found: String,
    pub not_found_text: String,
    pub back_home: String,
    pub skip_to_content: String,
    pub all_coverage: String,
    pub error: String,
    pub error_text: String,
    pub search: String,
    pub search_placeholder: String,
}

impl Strings {
    pub fn new(m: &Messages) -> Self {
        let video = m.get("video");
        Self {
            latest_news: m.get("latest-news"),
            most_read: m.get("most-read"),
            sections: m.get("sections"),
            home: m.get("home"),
            video_lower: video.to_lowercase(),
            video,
            views: m.get("views"),
            source: m.get("source"),
            next_page: m.get("next-page"),
            previous_page: m.get("previous-page"),
            not_found: m.get("not-found"),
            not_found_text: m.get("not-found-text"),
            back_home: m.get("back-home"),
            skip_to_content: m.get("skip-to-content"),
            all_coverage: m.get("all-coverage"),
            error: m.get("error"),
            error_text: m.get("error-text"),
            search: m.get("search"),
            search_placeholder: m.get("search-placeholder"),
        }
    }
}
