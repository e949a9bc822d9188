//! JSON-LD: the article object a CMS embeds for search engines. Often the
//! most reliable source of metadata, sometimes of the whole body text.

use serde_json::Value;

#[derive(Default, Debug)]
pub struct LdArticle {
    pub headline: Option<String>,
    pub body: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub image: Option<String>,
    pub language: Option<String>,
    pub video: Option<String>,
    pub is_article: bool,
}

fn is_article_type(t: &str) -> bool {
    let t = t.rsplit('/').next().unwrap_or(t);
    t.contains("Article")
        || t == "BlogPosting"
        || t == "Report"
        || t == "LiveBlogPosting"
        || t == "SocialMediaPosting"
}

fn types(v: &Value) -> Vec<&str> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Every object in a JSON-LD document, flattening arrays and `@graph`,
/// iteratively so hostile nesting cannot overflow the stack.
fn objects(root: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        if out.len() > 500 {
            break;
        }
        match v {
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(o) => {
                out.push(v);
                if let Some(g) = o.get("@graph") {
                    stack.push(g);
                }
                if let Some(m) = o.get("mainEntity") {
                    stack.push(m);
                }
            }
            _ => {}
        }
    }
    out
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Array(a) => {
            let names: Vec<String> = a.iter().filter_map(text_of).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        Value::Object(o) => o.get("name").and_then(text_of),
        _ => None,
    }
}

fn url_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Array(a) => a.iter().find_map(url_of),
        Value::Object(o) => o
            .get("url")
            .or_else(|| o.get("contentUrl"))
            .or_else(|| o.get("@id"))
            .and_then(url_of),
        _ => None,
    }
}

/// Parses the JSON-LD blocks of a page; the first article-typed object wins
/// each field, other objects only fill gaps.
pub fn parse(blocks: &[String]) -> LdArticle {
    let mut art = LdArticle::default();
    let mut parsed = Vec::new();
    for b in blocks {
        let s = b
            .trim()
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>")
            .trim()
            .trim_end_matches(';');
        if s.len() > 4 << 20 {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(s) {
            parsed.push(v);
        }
    }
    let mut all: Vec<&Value> = parsed.iter().flat_map(objects).collect();
    // Article-typed objects first, keeping document order otherwise.
    all.sort_by_key(|o| !types(o).iter().any(|t| is_article_type(t)));
    for o in all {
        let is_article = types(o).iter().any(|t| is_article_type(t));
        let is_video = types(o).contains(&"VideoObject");
        if is_video && art.video.is_none() {
            art.video = o
                .get("contentUrl")
                .or_else(|| o.get("embedUrl"))
                .and_then(url_of);
        }
        if !is_article {
            continue;
        }
        art.is_article = true;
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if slot.is_none() {
                *slot = v;
            }
        };
        set(
            &mut art.headline,
            o.get("headline")
                .or_else(|| o.get("name"))
                .and_then(text_of),
        );
        set(
            &mut art.body,
            o.get("articleBody")
                .or_else(|| o.get("text"))
                .and_then(|v| v.as_str())
                .map(str::to_string),
        );
        set(
            &mut art.author,
            o.get("author")
                .or_else(|| o.get("creator"))
                .and_then(text_of),
        );
        set(
            &mut art.published,
            o.get("datePublished")
                .or_else(|| o.get("dateCreated"))
                .and_then(text_of),
        );
        set(&mut art.modified, o.get("dateModified").and_then(text_of));
        set(
            &mut art.image,
            o.get("image")
                .or_else(|| o.get("thumbnailUrl"))
                .and_then(url_of),
        );
        set(&mut art.language, o.get("inLanguage").and_then(text_of));
        if art.video.is_none()
            && let Some(v) = o.get("video")
        {
            art.video = v
                .get("contentUrl")
                .or_else(|| v.get("embedUrl"))
                .and_then(url_of);
        }
    }
    art
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_article_in_graph() {
        let b = r#"{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Site"},
            {"@type":"NewsArticle","headline":"H","articleBody":"Body text.","author":[{"@type":"Person","name":"A B"}],
             "datePublished":"2020-01-02T03:04:05Z","image":{"@type":"ImageObject","url":"https://x/i.jpg"}}]}"#;
        let a = parse(&[b.to_string()]);
        assert!(a.is_article);
        assert_eq!(a.headline.as_deref(), Some("H"));
        assert_eq!(a.body.as_deref(), Some("Body text."));
        assert_eq!(a.author.as_deref(), Some("A B"));
        assert_eq!(a.image.as_deref(), Some("https://x/i.jpg"));
    }

    #[test]
    fn broken_json_is_ignored() {
        let a = parse(&[
            "{\"@type\": \"NewsArticle\", ".to_string(),
            "[[[[".repeat(100),
        ]);
        assert!(!a.is_article);
    }
}
