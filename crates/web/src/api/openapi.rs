//! `/api/openapi.json`: the OpenAPI 3.1 description of `/api/v1`, written
//! here by hand and served by us (no UI bundle fetched from a CDN). The API
//! test walks it: every documented GET is called and its answer checked
//! against the schema, so this document cannot drift from the handlers.

use crate::api::content::{MAX_PAGE, MAX_PER_PAGE, MAX_SLUG_CHARS, json_response};
use crate::state::Shared;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": reference(schema) } }
    })
}

fn error(description: &str) -> Value {
    ok(description, "Error")
}

fn id_param(what: &str) -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": format!("The {what}'s id."),
        "schema": { "type": "integer", "minimum": 1 }
    })
}

/// The section filter: a slug of at most `MAX_SLUG_CHARS`.
fn section_param() -> Value {
    json!({
        "name": "section", "in": "query", "description": "A section's slug.",
        "schema": { "type": "string", "maxLength": MAX_SLUG_CHARS }
    })
}

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

pub fn document(title: &str, base_url: &str) -> Value {
    let int = json!({ "type": "integer" });
    let string = json!({ "type": "string" });
    let time = json!({ "type": "string", "format": "date-time" });
    let uri = json!({ "type": "string", "format": "uri" });
    // null when the stored address is not an absolute http(s) URL (never served)
    let original = json!({ "type": ["string", "null"], "format": "uri" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{title} API"),
            "version": "1",
            "description": "Read-only access to the site's articles, stories, threads, sections, most-read list and search, and the view-count beacon. Counts are live. Times are RFC 3339 in UTC. Every error, on any path under /api/ (an unknown path is a 404, a method a path does not take a 405), is JSON: {\"error\": \"what went wrong\"}."
        },
        "servers": [{ "url": base_url.trim_end_matches('/') }],
        "paths": {
            "/api/v1/articles": { "get": {
                "summary": "Latest articles, newest first",
                "operationId": "listArticles",
                "parameters": [
                    section_param(),
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1 } },
                    { "name": "per_page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20 } }
                ],
                "responses": {
                    "200": ok("A page of articles.", "ArticleList"),
                    "400": error("A parameter is out of range or not a number."),
                    "404": error("No such section (a slug longer than 100 characters is none)."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/articles/{id}": { "get": {
                "summary": "One article with its body",
                "operationId": "getArticle",
                "parameters": [id_param("article")],
                "responses": {
                    "200": ok("The article.", "Article"),
                    "404": error("No such published article."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/stories/{id}": { "get": {
                "summary": "One story: an event and every outlet's article on it",
                "operationId": "getStory",
                "description": "A story an editor merged into another answers 301: `Location` is the other story's address here, and the body names it (`merged_into`). A story an editor hid is not found.",
                "parameters": [id_param("story")],
                "responses": {
                    "200": ok("The story.", "Story"),
                    "301": {
                        "description": "The story was merged into another.",
                        "headers": { "Location": {
                            "description": "The story it was merged into: /api/v1/stories/{merged_into}.",
                            "schema": { "type": "string" }
                        }},
                        "content": { "application/json": { "schema": reference("MergedStory") } }
                    },
                    "404": error("No such story, or hidden."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/threads/{id}": { "get": {
                "summary": "One thread: a developing event over days, its stories newest first",
                "description": "A thread's id is the id of its first story (a story's `thread_id`). At most 50 stories, the newest.",
                "operationId": "getThread",
                "parameters": [id_param("thread")],
                "responses": {
                    "200": ok("The thread.", "Thread"),
                    "404": error("No such thread."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/sections": { "get": {
                "summary": "The site's sections, in site order",
                "operationId": "listSections",
                "responses": {
                    "200": ok("All sections.", "SectionList"),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/most-read": { "get": {
                "summary": "Most read, one line per story",
                "operationId": "mostRead",
                "parameters": [
                    { "name": "hours", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 744, "default": 24 } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10 } }
                ],
                "responses": {
                    "200": ok("The ranking.", "MostRead"),
                    "400": error("A parameter is out of range or not a number."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/search": { "get": {
                "summary": "Full-text search of published articles, best match first",
                "description": "Every word must match; \"quoted phrases\" keep their words in order; a final word* matches words that begin with it. Case and Latin diacritics are ignored; nothing else is query syntax. The query is cut at 200 characters and 10 words.",
                "operationId": "searchArticles",
                "parameters": [
                    { "name": "q", "in": "query", "description": "What to search for; empty finds nothing.", "schema": string },
                    section_param(),
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": crate::pages::search::MAX_PAGE, "default": 1 } }
                ],
                "responses": {
                    "200": ok("A page of matches.", "SearchResults"),
                    "400": error("The page is out of range, empty or not a number, or the section is longer than 100 characters."),
                    "404": error("No such section, or a page past the last."),
                    "503": error("The database is unreachable.")
                }
            }},
            "/api/v1/views": { "get": {
                "summary": "Live view counts of up to 100 articles",
                "operationId": "viewCounts",
                "parameters": [
                    { "name": "ids", "in": "query", "required": true, "description": "Comma-separated article ids; the first 100 are answered, what is not a number is skipped.", "schema": string }
                ],
                "responses": {
                    "200": ok("Counts by article id (from memory while the database is unreachable).", "ViewCounts"),
                    "400": error("`ids` is missing.")
                }
            }},
            "/api/v1/views/{id}": { "post": {
                "summary": "Count a view of an article (for pages served from a cache)",
                "description": "Counted once per visitor per article per 30 minutes; crawlers are never counted.",
                "operationId": "countView",
                "parameters": [id_param("article")],
                "responses": {
                    "200": ok("Whether this view counted, and the total.", "ViewCount"),
                    "404": error("No such article."),
                    "503": error("The database is unreachable.")
                }
            }}
        },
        "components": { "schemas": {
            "Error": {
                "type": "object", "required": ["error"],
                "properties": { "error": string }
            },
            "Source": {
                "type": "object", "required": ["id", "name"],
                "properties": { "id": int, "name": string }
            },
            "ArticleItem": {
                "type": "object",
                "required": ["id", "title", "summary", "url", "original_url", "published", "views", "video", "image", "source", "section_id", "story_id"],
                "properties": {
                    "id": int, "title": string, "summary": string,
                    "url": uri, "original_url": original, "published": time,
                    "views": int, "video": { "type": "boolean" },
                    "image": { "type": ["string", "null"], "format": "uri" },
                    "source": reference("Source"),
                    "section_id": nullable("integer"), "story_id": nullable("integer")
                }
            },
            "ArticleList": {
                "type": "object", "required": ["articles", "page", "per_page", "total", "next"],
                "properties": {
                    "articles": { "type": "array", "items": reference("ArticleItem") },
                    "page": int, "per_page": int, "total": int,
                    "next": { "type": ["string", "null"], "format": "uri" }
                }
            },
            "SearchResults": {
                "type": "object", "required": ["query", "understood", "articles", "page", "per_page", "total", "next"],
                "properties": {
                    "query": { "type": "string", "description": "The query as searched: cut, controls removed." },
                    "understood": { "type": "string", "description": "Its words, \"phrases\" and prefix*, as matched." },
                    "articles": { "type": "array", "items": reference("SearchHit") },
                    "page": int, "per_page": int, "total": int,
                    "next": { "type": ["string", "null"], "format": "uri" }
                }
            },
            "SearchHit": {
                "allOf": [reference("ArticleItem"), {
                    "type": "object", "required": ["snippet"],
                    "properties": { "snippet": {
                        "type": "string",
                        "description": "HTML: the article's body around the matches, escaped, each matched word (or another form of it) in a <mark> element, the only element it holds."
                    }}
                }]
            },
            "Article": {
                "type": "object",
                "required": ["id", "title", "summary", "url", "original_url", "published", "updated", "views", "author", "language", "body_html", "body_text", "image", "video", "source", "section_id", "story_id"],
                "properties": {
                    "id": int, "title": string, "summary": string,
                    "url": uri, "original_url": original, "published": time, "updated": time,
                    "views": int, "author": nullable("string"), "language": nullable("string"),
                    "body_html": { "type": "string", "description": "Sanitised HTML." },
                    "body_text": string,
                    "image": {
                        "type": ["object", "null"], "required": ["url", "alt", "width", "height"],
                        "properties": { "url": uri, "alt": string, "width": nullable("integer"), "height": nullable("integer") }
                    },
                    "video": {
                        "type": ["object", "null"], "required": ["url"],
                        "properties": { "url": uri }
                    },
                    "source": reference("Source"),
                    "section_id": nullable("integer"), "story_id": nullable("integer")
                }
            },
            "Story": {
                "type": "object",
                "required": ["id", "url", "lead_article_id", "first_seen", "last_update", "sources", "thread_id", "articles"],
                "properties": {
                    "id": int, "url": uri,
                    "lead_article_id": { "type": "integer", "description": "The article an editor chose to lead, else the earliest published one: the story's headline everywhere." },
                    "first_seen": time, "last_update": time, "sources": int,
                    "thread_id": { "type": "integer", "description": "The thread (developing event) the story belongs to; see /api/v1/threads/{id}." },
                    "articles": { "type": "array", "items": reference("ArticleItem") }
                }
            },
            "MergedStory": {
                "type": "object",
                "required": ["id", "merged_into", "url"],
                "properties": {
                    "id": int,
                    "merged_into": { "type": "integer", "description": "The story whose articles these now are." },
                    "url": { "type": "string", "format": "uri", "description": "The other story's address in this API." }
                }
            },
            "Thread": {
                "type": "object",
                "required": ["id", "url", "first_published", "last_published", "stories"],
                "properties": {
                    "id": int,
                    "url": { "type": "string", "format": "uri", "description": "The page of the thread's newest story, which shows the thread's timeline." },
                    "first_published": time, "last_published": time,
                    "stories": { "type": "array", "items": {
                        "type": "object",
                        "required": ["id", "url", "lead_article_id", "first_published", "sources", "articles"],
                        "properties": {
                            "id": int, "url": uri, "lead_article_id": int,
                            "first_published": time, "sources": int,
                            "articles": { "type": "array", "items": reference("ArticleItem") }
                        }
                    }}
                }
            },
            "SectionList": {
                "type": "object", "required": ["sections"],
                "properties": { "sections": { "type": "array", "items": {
                    "type": "object", "required": ["id", "slug", "name", "url"],
                    "properties": { "id": int, "slug": string, "name": string, "url": uri }
                }}}
            },
            "MostRead": {
                "type": "object", "required": ["hours", "most_read"],
                "properties": {
                    "hours": int,
                    "most_read": { "type": "array", "items": {
                        "type": "object", "required": ["article", "recent_views"],
                        "properties": { "article": reference("ArticleItem"), "recent_views": int }
                    }}
                }
            },
            "ViewCounts": {
                "type": "object", "required": ["views"],
                "properties": { "views": { "type": "object", "additionalProperties": int } }
            },
            "ViewCount": {
                "type": "object", "required": ["id", "views", "counted"],
                "properties": { "id": int, "views": int, "counted": { "type": "boolean" } }
            }
        }}
    })
}

pub async fn openapi(State(state): State<Shared>) -> Response {
    // Like every API answer, but it changes only with a new release.
    let base = crate::public_base::current(&state);
    let mut r = json_response(document(&state.cfg.name, &base));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}
