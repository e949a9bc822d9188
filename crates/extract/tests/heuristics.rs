//! One small hand-made page per heuristic, through the public `extract`.

use newsroom_extract::{contract_json, extract};

const P1: &str = "The council voted on Tuesday to approve the new budget, which raises spending on schools, roads and parks.";
const P2: &str = "Opponents said the plan relies on optimistic revenue forecasts, and promised to revisit it next spring.";
const P3: &str = "The mayor, who proposed the budget in March, called the vote a victory for residents across the city.";

fn text(html: &str) -> String {
    extract(html.as_bytes(), Some("https://news.example/story"), None).text
}

fn article() -> String {
    format!("<p>{P1}</p><p>{P2}</p><p>{P3}</p>")
}

const P4: &str = "Work on the first projects is due to start in January, the city's planning office said in a statement.";
const P5: &str = "Residents can comment on the spending plan at three public meetings, the first of them next Thursday.";

fn long_article() -> String {
    format!("<p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p><p>{P5}</p>")
}

fn long_text() -> String {
    format!("{P1}\n\n{P2}\n\n{P3}\n\n{P4}\n\n{P5}")
}

#[test]
fn navigation_header_and_footer_are_removed() {
    let html = format!(
        "<body><header><a href=/>Home</a> <a href=/w>World</a> <a href=/s>Sports and other sections</a></header>\
         <nav><ul><li><a href=/a>Politics news today</a><li><a href=/b>Business news today</a></ul></nav>\
         <main>{}</main><footer><p>Copyright 2026 News Example Incorporated, all rights reserved worldwide.</p></footer></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn comment_sections_are_removed() {
    let html = format!(
        "<body><div class=story>{}</div><div id=comments><p>I think this budget is a terrible idea, and here is a long explanation why it is.</p>\
         <p>Another reader comment that is long enough to look like a paragraph of real prose, with commas.</p></div></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn share_bars_cookie_banners_and_newsletter_boxes_are_removed() {
    let html = format!(
        "<body><div class=cookie-banner><p>We use cookies to improve your experience, by continuing you accept our policy and terms.</p></div>\
         <article><div class=share-bar><a href=#>Share on Facebook</a> <a href=#>Tweet</a></div>{}\
         <div class=newsletter-signup><p>Get our best stories in your inbox every morning, sign up for the free daily newsletter now.</p></div></article></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn hidden_elements_are_removed() {
    let html = format!(
        "<body><article>{}<div style=\"display: none\"><p>Hidden text that a reader never sees, long enough to look like prose here.</p></div>\
         <p aria-hidden=true>Also hidden from every reader of the page, even though it is a long paragraph.</p></article></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn related_link_lists_are_removed() {
    let html = format!(
        "<body><article>{}<ul><li><a href=/1>Budget talks stall again as council members argue</a></li>\
         <li><a href=/2>Schools brace for cuts after the state revises its funding formula</a></li>\
         <li><a href=/3>Road repairs to start in May on the east side of the city</a></li></ul></article></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn teaser_lists_are_removed() {
    let teaser = |n: u32| {
        format!(
            "<div class=item><h3><a href=/t{n}>Another story number {n}</a></h3><p>A summary of another story that is long enough to be a paragraph on its own.</p></div>"
        )
    };
    let html = format!(
        "<body><div class=main><div class=body>{}</div><div>{}{}{}</div></div></body>",
        article(),
        teaser(1),
        teaser(2),
        teaser(3)
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn captions_and_credits_are_removed() {
    let html = format!(
        "<body><article><figure><img src=/a.jpg><figcaption>The mayor speaks at City Hall on Tuesday, March 3. Photo: Jane Roe / News Example</figcaption></figure>{}</article></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn a_wrapper_with_a_junk_sounding_class_keeps_the_article() {
    let html = format!(
        "<body><div class=\"layout has-sidebar\"><div class=col>{}</div><aside class=sidebar><a href=/x>Most read</a></aside></div></body>",
        article()
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn marked_article_body_wins_over_a_longer_neighbour() {
    let other = "<p>An unrelated long block of text on the same page, about something else entirely, with commas, clauses and more words.</p>".repeat(4);
    let html = format!(
        "<body><div><div itemprop=articleBody>{}</div><div class=promo-box-x>{other}</div></div></body>",
        long_article()
    );
    assert_eq!(text(&html), long_text());
}

#[test]
fn first_of_several_articles_on_an_infinite_scroll_page() {
    let next = format!("<article><h2>Next story</h2>{}</article>", "<p>The next story in the endless feed, with plenty of words, commas, and clauses to count as prose.</p>".repeat(5));
    let html = format!(
        "<body><main><article>{}</article>{next}</main></body>",
        long_article()
    );
    assert_eq!(text(&html), long_text());
}

#[test]
fn jsonld_article_body_locates_the_container() {
    let body = format!("{P1}\n{P2}\n{P3}\n{P1} {P2} {P3}\n{P3} {P1}");
    let ld = serde_json::json!({"@type": "NewsArticle", "headline": "H", "articleBody": body})
        .to_string();
    let decoy = "<p>A decoy block of prose that is long and has commas, words, and more words, to win on size alone.</p>".repeat(6);
    let html = format!(
        "<html><head><script type=application/ld+json>{ld}</script></head><body><div class=a>{decoy}</div><div class=b>{}<p>{P1} {P2} {P3}</p><p>{P3} {P1}</p></div></body></html>",
        article()
    );
    let t = text(&html);
    assert!(t.starts_with(P1) && !t.contains("decoy"), "{t}");
}

#[test]
fn jsonld_article_body_is_the_fallback_when_the_dom_is_empty() {
    let body = format!("{P1}\n{P2}\n{P3}");
    let ld = serde_json::json!({"@type": "NewsArticle", "headline": "H", "articleBody": body})
        .to_string();
    let html = format!(
        "<html><head><script type=application/ld+json>{ld}</script></head><body><div id=app></div></body></html>"
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn noise_lines_datelines_and_bylines_are_removed() {
    let html = format!(
        "<body><article><p>By Jane Roe</p><p>Updated: Nov. 19, 2019 10:42 a.m.</p><p>{P1}</p><p>Advertisement</p><p>{P2}</p>\
         <p>https://news.example/story</p><p>{P3}</p><p>42</p><p>Sign up for our newsletter!</p></article></body>"
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn links_are_text_only_and_html_is_allow_listed() {
    let html = format!(
        "<body><article><p>{P1} See <a href=\"/report.pdf\" onclick=\"x()\">the report</a>.</p><p>{P2}</p><p>{P3}<script>alert(1)</script></p></article></body>"
    );
    let e = extract(html.as_bytes(), Some("https://news.example/story"), None);
    assert!(e.text.contains("See the report.") && !e.text.contains("report.pdf"));
    assert!(e.html.contains("<a href=\"https://news.example/report.pdf\" rel=\"noopener noreferrer nofollow\">the report</a>"), "{}", e.html);
    assert!(!e.html.contains("onclick") && !e.html.contains("script"));
}

#[test]
fn metadata_from_opengraph_jsonld_and_markup() {
    let ld = serde_json::json!({
        "@type": "NewsArticle", "headline": "Budget passes", "author": {"@type": "Person", "name": "Jane Roe"},
        "datePublished": "2026-11-01T10:00:00+01:00", "dateModified": "2026-11-02T08:00:00Z"
    })
    .to_string();
    let html = format!(
        "<html lang=en-GB><head><meta property=og:image content=/img/lead.jpg><meta property=og:image:width content=1200>\
         <meta property=og:image:alt content=\"The council\"><script type=application/ld+json>{ld}</script></head>\
         <body><article>{}<iframe src=\"https://www.youtube.com/embed/abc123\"></iframe></article></body></html>",
        article()
    );
    let e = extract(html.as_bytes(), Some("https://news.example/story"), None);
    assert_eq!(e.title.as_deref(), Some("Budget passes"));
    assert_eq!(e.author.as_deref(), Some("Jane Roe"));
    assert_eq!(e.published, Some(1_793_523_600));
    assert_eq!(e.modified, Some(1_793_606_400));
    assert_eq!(e.language.as_deref(), Some("en"));
    let img = e.image.clone().unwrap();
    assert_eq!(
        (img.url.as_str(), img.width, img.alt.as_deref()),
        (
            "https://news.example/img/lead.jpg",
            Some(1200),
            Some("The council")
        )
    );
    let v = e.video.clone().unwrap();
    assert_eq!(
        (v.url.as_str(), v.kind),
        ("https://www.youtube.com/embed/abc123", "youtube")
    );
    let j = contract_json(&e);
    assert_eq!(j["published"], "2026-11-01T09:00:00Z");
    assert_eq!(j["image"], "https://news.example/img/lead.jpg");
    assert_eq!(j["video"], "https://www.youtube.com/embed/abc123");
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 9);
}

#[test]
fn old_table_layout_with_br_paragraphs() {
    let html = format!(
        "<html><body><table><tr><td class=menu><a href=/>Home</a><br><a href=/n>News</a></td>\
         <td><font face=arial>{P1}<br><br>{P2}<br><br>{P3}</font></td></tr></table></body></html>"
    );
    assert_eq!(text(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
}

#[test]
fn a_page_of_short_lines_still_yields_text() {
    let html = "<body><nav><a href=/>Home</a></nav><div class=poem><p>The sea is calm tonight.</p><p>The tide is full, the moon lies fair</p>\
                <p>Upon the straits; on the French coast</p></div></body>";
    let t = text(html);
    assert!(
        t.starts_with("The sea is calm tonight.") && !t.contains("Home"),
        "{t}"
    );
}

#[test]
fn a_comment_section_longer_than_the_article_is_still_removed() {
    let comment = "<div class=c><p>A reader's long comment about the budget, the council, the schools and the roads, with plenty of words.</p></div>";
    let html = format!(
        "<body><div class=page><div class=post>{}</div><div class=comments-area>{}</div></div></body>",
        long_article(),
        comment.repeat(6)
    );
    assert_eq!(text(&html), long_text());
}

#[test]
fn a_stray_blurb_elsewhere_does_not_widen_the_container() {
    let blurb = "<div class=x><p>Support our work, please, every single bit helps us.</p></div>";
    let html = format!(
        "<body><div class=a><div class=b>{}</div><div class=c><a href=/1>One</a> <a href=/2>Two</a></div>{blurb}</div></body>",
        long_article()
    );
    assert_eq!(text(&html), long_text());
}

#[test]
fn linked_sub_headings_stay_and_linked_calls_to_action_go() {
    // A list article: each section is titled by a link to the product.
    let html = format!(
        "<body><article><p>{P1}</p><h3><a href=https://shop.example/a>Anker 65W charger</a></h3><p>{P2}</p>\
         <h3><a href=https://shop.example/b>Belkin wireless pad</a></h3><p>{P3}</p>\
         <h3><a href=/newsletter>Click here to subscribe to our newsletter</a></h3><p>{P4}</p></article></body>"
    );
    assert_eq!(
        text(&html),
        format!("{P1}\n\nAnker 65W charger\n\n{P2}\n\nBelkin wireless pad\n\n{P3}\n\n{P4}")
    );
}

#[test]
fn a_more_stories_label_inside_the_story_does_not_cut_it() {
    // An inline ad left its "Sponsored" label in the body; what follows is
    // still the story, not a list of headlines.
    let html = format!(
        "<body><article><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>Sponsored</p><p>{P4} {P5}</p><p>{P5} {P4}</p></article></body>"
    );
    let t = text(&html);
    assert!(t.ends_with(&format!("{P5} {P4}")), "{t}");
}
