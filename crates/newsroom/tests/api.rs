//! The JSON API against its own OpenAPI document, on the real binary with
//! demo content: every documented GET is called and its answer checked
//! against the schema the document gives, so the two cannot drift apart.
//! Runs on SQLite and, when NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL.

#[macro_use]
mod common;

use common::*;
use serde_json::Value;

/// Checks `v` against a JSON Schema subset the document uses: `$ref`,
/// `type` (one or several), `required`, `properties`, `items`,
/// `additionalProperties`, `minimum`, and the formats `uri` and `date-time`.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "{at}: dangling $ref {r}");
        return check(doc, target, v, at);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(
            types.contains(&actual) || (actual == "integer" && types.contains(&"number")),
            "{at}: {actual} where the schema says {types:?}: {v}"
        );
    }
    if let Some(min) = schema["minimum"].as_i64() {
        assert!(v.as_i64().is_none_or(|n| n >= min), "{at}: {v} < {min}");
    }
    match (schema["format"].as_str(), v.as_str()) {
        (Some("uri"), Some(s)) => {
            let u = url::Url::parse(s).unwrap_or_else(|e| panic!("{at}: {s:?} is no URI: {e}"));
            assert!(matches!(u.scheme(), "http" | "https"), "{at}: {s}");
        }
        (Some("date-time"), Some(s)) => {
            s.parse::<jiff::Timestamp>()
                .unwrap_or_else(|e| panic!("{at}: {s:?} is no RFC 3339 time: {e}"));
        }
        _ => {}
    }
    if let Value::Object(map) = v {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(
                map.contains_key(key),
                "{at}: missing required {key:?} in {v}"
            );
        }
        for (key, value) in map {
            let path = format!("{at}.{key}");
            if let Some(s) = schema["properties"].get(key) {
                check(doc, s, value, &path);
            } else if let Some(s) = schema.get("additionalProperties").filter(|s| s.is_object()) {
                check(doc, s, value, &path);
            } else if schema["properties"].is_object() {
                panic!("{at}: {key:?} is not in the schema");
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, s, item, &format!("{at}[{i}]"));
        }
    }
}

/// Calls `path` and checks the answer against the document's response for
/// its status; returns status and body.
async fn call(doc: &Value, server: &Server, template: &str, path: &str) -> (u16, Value) {
    let r = client()
        .get(server.url(path))
        .header("user-agent", BROWSER_UA)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("application/json"), "{path}: {ct}");
    let body: Value = r.json().await.unwrap();
    let response = &doc["paths"][template]["get"]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{path}: status {status} is not documented: {body}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    check(doc, schema, &body, path);
    (status, body)
}

on_every_backend!(every_documented_endpoint_answers_to_its_schema => api_on);

async fn api_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let doc: Value = client()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let gets: Vec<&String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(p, _)| p)
        .collect();

    // The list, paged, and its "next" link.
    let (status, list) = call(
        &doc,
        &server,
        "/api/v1/articles",
        "/api/v1/articles?per_page=5",
    )
    .await;
    assert_eq!(status, 200);
    let articles = list["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 5);
    assert!(list["total"].as_i64().unwrap() > 5);
    let next = list["next"].as_str().unwrap();
    let next_path = &next[next.find("/api/").unwrap()..];
    let (_, page2) = call(&doc, &server, "/api/v1/articles", next_path).await;
    assert_eq!(page2["page"], 2);
    assert_ne!(page2["articles"][0]["id"], articles[0]["id"]);
    let published: Vec<&str> = articles
        .iter()
        .map(|a| a["published"].as_str().unwrap())
        .collect();
    let mut sorted = published.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(published, sorted, "newest first");

    // One article, and its live count: a new visitor's beacon shows at once.
    let id = articles[0]["id"].as_i64().unwrap();
    let (status, one) = call(
        &doc,
        &server,
        "/api/v1/articles/{id}",
        &format!("/api/v1/articles/{id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["title"], articles[0]["title"]);
    assert!(!one["body_html"].as_str().unwrap().is_empty());
    let before = one["views"].as_i64().unwrap();
    let beacon = client()
        .post(server.url(&format!("/api/v1/views/{id}")))
        .header("user-agent", format!("{BROWSER_UA} api-test"))
        .send()
        .await
        .unwrap();
    assert_eq!(beacon.status().as_u16(), 200);
    let (_, again) = call(
        &doc,
        &server,
        "/api/v1/articles/{id}",
        &format!("/api/v1/articles/{id}"),
    )
    .await;
    assert_eq!(again["views"].as_i64().unwrap(), before + 1);
    // The site's own page is where `url` points.
    let page_url = one["url"].as_str().unwrap();
    let (page_status, _) = get(
        &server.url(&page_url[page_url.find("/news/").unwrap()..]),
        BROWSER_UA,
    )
    .await;
    assert_eq!(page_status, 200);

    // A story with every outlet's article.
    let mut story_id = None;
    let (_, all) = call(
        &doc,
        &server,
        "/api/v1/articles",
        "/api/v1/articles?per_page=100",
    )
    .await;
    for a in all["articles"].as_array().unwrap() {
        if let Some(s) = a["story_id"].as_i64() {
            story_id = Some(s);
            break;
        }
    }
    let story_id = story_id.expect("the demo has stories");
    let (status, story) = call(
        &doc,
        &server,
        "/api/v1/stories/{id}",
        &format!("/api/v1/stories/{story_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        story["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["story_id"] == story_id)
    );
    // Its thread holds it.
    let thread_id = story["thread_id"].as_i64().expect("a thread id");
    let (status, thread) = call(
        &doc,
        &server,
        "/api/v1/threads/{id}",
        &format!("/api/v1/threads/{thread_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        thread["stories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == story_id),
        "{thread}"
    );

    // Sections, and one section's list.
    let (_, sections) = call(&doc, &server, "/api/v1/sections", "/api/v1/sections").await;
    let slug = sections["sections"][0]["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, in_section) = call(
        &doc,
        &server,
        "/api/v1/articles",
        &format!("/api/v1/articles?section={slug}"),
    )
    .await;
    assert_eq!(status, 200);
    let section_id = sections["sections"][0]["id"].clone();
    assert!(
        in_section["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["section_id"] == section_id)
    );

    let (status, most) = call(
        &doc,
        &server,
        "/api/v1/most-read",
        "/api/v1/most-read?limit=5",
    )
    .await;
    assert_eq!(status, 200);
    assert!(!most["most_read"].as_array().unwrap().is_empty());

    let (status, _) = call(
        &doc,
        &server,
        "/api/v1/views",
        &format!("/api/v1/views?ids={id}"),
    )
    .await;
    assert_eq!(status, 200);

    // Search: the seed headline's word finds it, paged like the list.
    let (status, found) = call(&doc, &server, "/api/v1/search", "/api/v1/search?q=bakhmut").await;
    assert_eq!(status, 200);
    assert_eq!(found["articles"][0]["id"], 1, "{found}");
    let (_, found) = call(&doc, &server, "/api/v1/search", "/api/v1/search?q=demo").await;
    let next = found["next"].as_str().unwrap();
    let (_, page2) = call(
        &doc,
        &server,
        "/api/v1/search",
        &next[next.find("/api/").unwrap()..],
    )
    .await;
    assert_eq!(page2["page"], 2);

    // Errors are documented JSON too.
    for (template, path, want) in [
        ("/api/v1/articles", "/api/v1/articles?per_page=1000", 400),
        ("/api/v1/articles", "/api/v1/articles?page=0", 400),
        (
            "/api/v1/articles",
            "/api/v1/articles?section=no-such-section",
            404,
        ),
        ("/api/v1/articles/{id}", "/api/v1/articles/999999", 404),
        ("/api/v1/articles/{id}", "/api/v1/articles/abc", 404),
        ("/api/v1/stories/{id}", "/api/v1/stories/999999", 404),
        ("/api/v1/threads/{id}", "/api/v1/threads/999999", 404),
        ("/api/v1/most-read", "/api/v1/most-read?hours=0", 400),
        ("/api/v1/search", "/api/v1/search?q=x&page=0", 400),
        (
            "/api/v1/search",
            "/api/v1/search?q=x&section=no-such-section",
            404,
        ),
    ] {
        assert_eq!(call(&doc, &server, template, path).await.0, want, "{path}");
    }
    // Every documented GET was exercised above.
    for p in gets {
        assert!(
            [
                "/api/v1/articles",
                "/api/v1/articles/{id}",
                "/api/v1/stories/{id}",
                "/api/v1/threads/{id}",
                "/api/v1/sections",
                "/api/v1/most-read",
                "/api/v1/search",
                "/api/v1/views"
            ]
            .contains(&p.as_str()),
            "documented but untested: {p}"
        );
    }
    server.stop();
}
