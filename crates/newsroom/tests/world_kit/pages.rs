//! The world's article pages: the real news pages of `shared/datasets/extraction-dev`,
//! each with its hand-checked text, made an outlet's own (its rel=canonical) and edited.

use newsroom_ingest::testkit::Bytes;
use std::path::PathBuf;

pub struct Page {
    pub html: String,
    /// The article's real text (the dataset's ground truth).
    pub truth: String,
    /// Where an added paragraph lands inside the article, when one does.
    edit_at: Option<Option<usize>>,
}

pub struct Pages {
    pub pages: Vec<Page>,
}

impl Pages {
    /// The dataset, or `None` after a line on stderr when it is absent.
    pub fn load() -> Option<Pages> {
        let raw = newsroom_ingest::testkit::dataset_pages()?;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/datasets/extraction-dev/ground-truth.json");
        let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(root).ok()?).ok()?;
        let pages = raw
            .into_iter()
            .filter_map(|(id, _, html)| {
                let truth = truth[&id]["articleBody"].as_str()?.to_string();
                // Pages the world edits must be UTF-8 to be edited as text.
                let html = String::from_utf8(html).ok()?;
                (truth.len() > 400).then_some(Page {
                    html,
                    truth,
                    edit_at: None,
                })
            })
            .collect();
        Some(Pages { pages })
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// What the feed says of a page: its first words.
    pub fn teaser(&self, i: usize) -> String {
        let t: String = self.pages[i].truth.chars().take(140).collect();
        format!("{}…", t.trim())
    }

    /// The text a reader of the page sees now.
    pub fn truth(&self, i: usize, edits: &[String]) -> String {
        let mut t = self.pages[i].truth.clone();
        for e in edits {
            t.push_str("\n\n");
            t.push_str(e);
        }
        t
    }

    /// The page as the outlet serves it: its own rel=canonical first in `<head>` (the one
    /// readers take), and the edits as paragraphs inside the article.
    pub fn html(&self, i: usize, canonical: &str, edits: &[String]) -> Bytes {
        let p = &self.pages[i];
        let mut html = p.html.clone();
        if !edits.is_empty()
            && let Some(Some(at)) = p.edit_at
        {
            let added: String = edits.iter().map(|e| format!("<p>{e}</p>")).collect();
            html.insert_str(at, &added);
        }
        let link = format!("<link rel=\"canonical\" href=\"{canonical}\">");
        match find_head(&html) {
            Some(at) => html.insert_str(at, &link),
            None => html.insert_str(0, &link),
        }
        Bytes::from(html)
    }

    /// Whether an added paragraph on page `i` is read as part of the article (checked once
    /// with the extractor, since pages differ in where their text sits).
    pub fn editable(&mut self, i: usize) -> bool {
        if self.pages[i].edit_at.is_none() {
            let p = &self.pages[i];
            let at = edit_point(&p.html, &p.truth).filter(|&at| {
                let mut html = p.html.clone();
                html.insert_str(
                    at,
                    "<p>Probe sentence of the simulated world, added to the article.</p>",
                );
                newsroom_extract::extract(html.as_bytes(), Some("http://127.0.0.1/a.html"), None)
                    .text
                    .contains("Probe sentence of the simulated world")
            });
            self.pages[i].edit_at = Some(at);
        }
        self.pages[i].edit_at.is_some_and(|a| a.is_some())
    }
}

/// After the `<head ...>` tag.
fn find_head(html: &str) -> Option<usize> {
    let lower = html.get(..html.len().min(20_000))?.to_ascii_lowercase();
    let start = lower.find("<head")?;
    Some(start + lower[start..].find('>')? + 1)
}

/// Just after the `</p>` closing a late paragraph of the article's text, found by its
/// opening words.
fn edit_point(html: &str, truth: &str) -> Option<usize> {
    let paras: Vec<&str> = truth
        .split('\n')
        .map(str::trim)
        .filter(|p| p.len() > 80)
        .collect();
    for para in paras.iter().rev() {
        let probe: String = para.chars().take(40).collect();
        if !probe.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
            continue;
        }
        if let Some(at) = html.find(&probe) {
            let close = html[at..].find("</p>")?;
            return Some(at + close + 4);
        }
    }
    None
}

/// Token F1 of `got` against `truth` (the extraction benchmark's 4-token shingles).
pub fn f1(got: &str, truth: &str) -> f64 {
    let (tp, fp, fn_) = newsroom_extract::metric::page_counts(got, truth);
    if tp == 0.0 {
        return 0.0;
    }
    2.0 * tp / (2.0 * tp + fp + fn_)
}
