//! The fast tree builder against html5ever on markup where HTML's parsing
//! rules decide which block a text belongs to. Each case runs the whole
//! extractor with both parsers and wants the same text.

use newsroom_extract::{Options, Parser, extract_with};

const P: &str = "The council voted on Tuesday to approve the new budget, which raises spending on schools, roads and parks across the city.";

fn both(body: &str) -> (String, String) {
    let page = format!(
        "<!doctype html><html><head><title>Budget</title></head><body><nav><a href=/>Home</a> <a href=/news>News</a></nav>{body}<footer>© Example News</footer></body></html>"
    );
    let run = |parser| {
        extract_with(
            page.as_bytes(),
            Some("https://news.example/a"),
            None,
            Options {
                parser,
                ..Options::default()
            },
        )
        .text
    };
    (run(Parser::Fast), run(Parser::Html5ever))
}

fn agree(body: &str) {
    let (fast, reference) = both(body);
    assert!(!reference.is_empty(), "html5ever found no text in {body}");
    assert_eq!(fast, reference, "markup: {body}");
}

#[test]
fn unclosed_paragraphs_end_at_the_next_block() {
    agree(&format!(
        "<article><p>{P}<p>{P} Second.<div>{P} Third.</div></article>"
    ));
}

#[test]
fn unclosed_list_items_and_definition_terms() {
    agree(&format!(
        "<article><p>{P}</p><ul><li>{P} One<li>{P} Two</ul><dl><dt>Term<dd>{P} Three</dl></article>"
    ));
}

#[test]
fn table_cells_without_end_tags() {
    agree(&format!(
        "<article><p>{P}</p><table><tr><td>{P} A<td>{P} B<tr><td>{P} C</table></article>"
    ));
}

#[test]
fn entities_in_text_and_attributes() {
    agree(&format!(
        "<article><p>{P} &amp; &lt;more&gt; &eacute;t&eacute; &#8212; &#x41;&nbsp;B &copy 2026</p><p>{P}</p></article>"
    ));
}

#[test]
fn stray_end_tags_and_misnested_formatting() {
    agree(&format!(
        "<article><p>{P} <b>bold <i>both</b> italic</i></p></span></div><p>{P}</p></article>"
    ));
}

#[test]
fn br_end_tag_and_void_elements() {
    agree(&format!(
        "<article><p>{P}</br>{P}<img src=a.jpg alt=x><br/>{P}</p><hr><p>{P}</p></article>"
    ));
}
