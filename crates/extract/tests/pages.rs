//! Whole pages of the shapes that lost text on held-out pages (issue 16):
//! long reads in many sections, stories interrupted by share bars, ads,
//! figures and asides, and sub-headings. Each page under `tests/pages/` was
//! written for this test, with its expected text beside it (`.txt`,
//! paragraphs separated by a blank line). One page guards precision: a
//! plain news story whose neighbours (an author note, a teaser card, a
//! corrections blurb) must stay out.

use newsroom_extract::{Extracted, Options, Parser, extract, extract_with};
use std::path::PathBuf;

fn page(name: &str) -> (Vec<u8>, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pages");
    let html = std::fs::read(dir.join(format!("{name}.html"))).unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
    (html, text)
}

fn paragraphs(s: &str) -> Vec<&str> {
    s.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Extracts `name` and wants exactly its expected paragraphs, in order; on
/// failure lists what went missing and what came in extra. Both tree
/// builders must give the same text.
fn check(name: &str) -> Extracted {
    let (html, want) = page(name);
    let url = format!("https://pages.example/{name}");
    let e = extract(&html, Some(&url), None);
    let (got, want) = (paragraphs(&e.text), paragraphs(&want));
    if got != want {
        let missing: Vec<_> = want.iter().filter(|p| !got.contains(p)).collect();
        let extra: Vec<_> = got.iter().filter(|p| !want.contains(p)).collect();
        panic!(
            "{name}: {} paragraphs expected, {} extracted\nmissing: {missing:#?}\nextra: {extra:#?}\nfull text:\n{}",
            want.len(),
            got.len(),
            e.text
        );
    }
    let reference = extract_with(
        &html,
        Some(&url),
        None,
        Options {
            parser: Parser::Html5ever,
            ..Options::default()
        },
    );
    assert_eq!(e.text, reference.text, "{name}: html5ever tree differs");
    e
}

fn has_headings(e: &Extracted, tag: &str, titles: &[&str]) {
    for t in titles {
        let want = format!("<{tag}>{t}</{tag}>");
        assert!(
            e.html.contains(&want),
            "{want} missing from html:\n{}",
            e.html
        );
    }
}

#[test]
fn a_long_read_keeps_every_chapter_and_its_headings() {
    // Chapters in <section>s with <header>-wrapped titles, ids taken from
    // the titles ("the-social-cost", "following-the-money"), full-bleed
    // figures, a pull quote and an ad between them.
    let e = check("longread_chapters");
    has_headings(
        &e,
        "h2",
        &[
            "A timetable written in salt",
            "The social cost",
            "Following the money",
        ],
    );
    has_headings(&e, "h3", &["The school run"]);
}

#[test]
fn a_guide_keeps_sections_under_self_linked_headings() {
    // Headings that link to themselves (anchor links), a contents list, a
    // newsletter box between sections.
    let e = check("guide_linked_headings");
    has_headings(
        &e,
        "h2",
        &["What is changing?", "Will it really make a difference?"],
    );
    has_headings(&e, "h3", &["Assisted collections"]);
    assert!(!e.text.contains("On this page"));
}

#[test]
fn a_story_split_into_columns_keeps_the_text_after_each_ad() {
    // Story body in sibling column divs split by ad slots, the last column
    // holding one paragraph, a sub-heading between columns.
    let e = check("news_split_columns");
    has_headings(&e, "h2", &["A history of deferred work"]);
}

#[test]
fn share_bar_ad_aside_and_figure_do_not_cut_the_story() {
    // A share bar, an ad, a related-links aside inside the body, then a
    // figure closing the first body block and a second body block after it.
    let e = check("news_inline_interruptions");
    has_headings(&e, "h2", &["What is different", "Opening hours"]);
}

#[test]
fn a_wiki_style_document_keeps_all_sections() {
    // Headings outside the section elements they title, an infobox, a
    // contents box, edit links and a reference list.
    let e = check("wiki_sections");
    has_headings(&e, "h2", &["Geography", "History", "Ecology", "Recreation"]);
    has_headings(&e, "h3", &["Timber floating"]);
}

#[test]
fn a_plain_news_story_keeps_its_neighbours_out() {
    check("news_plain_neighbours");
}

#[test]
fn a_blog_post_in_several_sections_keeps_them_all() {
    // Medium-style markup: sections whose classes differ at the first and
    // last, inset columns around a full-width figure, h3/h4 sub-headings.
    let e = check("blog_medium_sections");
    has_headings(
        &e,
        "h3",
        &[
            "Bug one: retrying something that already happened",
            "Bug three: retries inside retries",
        ],
    );
    has_headings(&e, "h4", &["What counts as long enough"]);
}

#[test]
fn a_marked_body_split_by_a_newsletter_box_keeps_its_short_tail() {
    // Two `article-body` blocks around a newsletter box; the second holds a
    // sub-heading and one closing sentence, too short to be a paragraph.
    let e = check("news_marked_body_parts");
    has_headings(&e, "h3", &["What happens next"]);
}

#[test]
fn wiki_headings_with_ids_that_sound_like_junk_are_kept() {
    // Desktop wiki markup: <span class=mw-headline id=Related_species>
    // inside each <h2>, edit links beside it, an infobox and a navbox.
    let e = check("wiki_desktop_headings");
    has_headings(
        &e,
        "h2",
        &[
            "Description",
            "Related species",
            "Social history",
            "Conservation",
        ],
    );
}

#[test]
fn a_story_continued_after_an_inline_teaser_card_keeps_its_end() {
    // Two `story-text` blocks around a "Read next" card with a linked
    // title and a summary: the card stays out, the closing line comes in.
    let e = check("news_parts_around_card");
    assert!(!e.text.contains("Read next") && !e.text.contains("café"));
}
