//! Widening the chosen container to the article's other parts.
//!
//! Scoring picks one element, but articles are often split into sibling
//! blocks: a long read in chapter `<section>`s, a story body cut by an ad
//! slot or a full-width figure into several `<div>`s of the same class,
//! sub-headings standing between the parts. From the chosen element, each
//! level up looks at its siblings in document order: blocks of the same
//! shape and plain paragraphs of clean prose join, a heading joins when
//! joined text follows it, small leftovers (an "Advertisement" label) are
//! dropped, and anything else (a teaser, an author note, a comments box)
//! ends the walk on that side. What did not join is marked dead, so the
//! renderers see only the article's parts.

use crate::boilerplate::{BODY, POSITIVE};
use crate::dom::{Dom, NONE, Tag};

/// Statistics of the live (not dead) tree, per node, subtree sums.
pub(crate) struct Live<'a> {
    /// Good paragraph text.
    pub good: &'a [u32],
    pub text: &'a [u32],
    pub link: &'a [u32],
    /// Text inside headings (h2-h6).
    pub heading: &'a [u32],
    /// Opens with a linked title: a teaser for another page.
    pub titled: &'a [bool],
}

/// Levels climbed at most; articles split deeper than this are rare.
const MAX_LEVELS: usize = 8;
/// A sibling with less text than this that does not join is dropped
/// without ending the walk (labels, counters, "Share this").
const SMALL: u32 = 50;

#[derive(PartialEq)]
enum Kind {
    /// No live text, or inline content: judged by position.
    Neutral,
    Heading,
    /// Joins; `same` when it has the unit's very class, a content-sounding
    /// one (`story-text`, not `col`): a part of the same body, which joins
    /// even beyond a block that is not the article (an inline teaser card
    /// between two body blocks).
    Join {
        same: bool,
    },
    Small,
    Stop,
}

/// Widens `best` over the article's sibling parts and returns the new root;
/// siblings left out are marked dead. `titles` are the page's headline
/// strings: a heading repeating one is the headline, not a section.
pub(crate) fn widen(
    dom: &Dom,
    best: usize,
    dead: &mut [bool],
    live: &Live<'_>,
    titles: &[&str],
) -> usize {
    let nodes = &dom.nodes;
    let (mut unit, mut root) = (best, best);
    let mut kids = Vec::new();
    for _ in 0..MAX_LEVELS {
        let p = nodes[unit].parent;
        if p == NONE || matches!(nodes[p as usize].tag, Tag::Document | Tag::Html) {
            break;
        }
        let p = p as usize;
        kids.clear();
        let mut c = p + 1;
        while c < nodes[p].end as usize {
            kids.push(c);
            c = nodes[c].end as usize;
        }
        let k = kids.iter().position(|&c| c == unit).unwrap_or(0);
        let mut include = vec![false; kids.len()];
        include[k] = true;
        let kind = |c: usize| sibling_kind(dom, unit, c, dead, live, titles);
        // Headings wait for the text they introduce; leftwards, a heading
        // right before the unit is as likely the headline or a kicker.
        let (right, right_blocked) = walk(k + 1..kids.len(), &kids, &mut include, kind);
        let (left, left_blocked) = walk((0..k).rev(), &kids, &mut include, kind);
        let (content, blocked) = (right || left, right_blocked || left_blocked);
        if blocked && !content {
            break;
        }
        let lo = include.iter().position(|&x| x).unwrap_or(k);
        let hi = include.iter().rposition(|&x| x).unwrap_or(k);
        for (j, &c) in kids.iter().enumerate() {
            // Inline runs between joined parts are the article's own text
            // (a paragraph's tail after an ad closed it); outside, they go.
            let keep = include[j] || (!nodes[c].tag.is_block() && (lo..=hi).contains(&j));
            if !keep && !dead[c] {
                dead[c..nodes[c].end as usize].fill(true);
            }
        }
        unit = p;
        if content {
            root = p;
        }
        if blocked {
            break;
        }
    }
    // Wrappers climbed above the last level that joined a part add nothing.
    root
}

/// Walks the siblings at positions `order` (away from the unit), marking
/// those that join in `include`; returns whether any text joined and
/// whether the walk stopped at a sibling that is not the article.
fn walk(
    order: impl Iterator<Item = usize>,
    kids: &[usize],
    include: &mut [bool],
    kind: impl Fn(usize) -> Kind,
) -> (bool, bool) {
    let mut pending = Vec::new();
    let mut content = false;
    let mut stopped = false;
    for j in order {
        match kind(kids[j]) {
            Kind::Neutral | Kind::Small => {}
            Kind::Heading => pending.push(j),
            Kind::Join { same } if same || !stopped => {
                include[j] = true;
                for h in pending.drain(..) {
                    include[h] = true;
                }
                content = true;
            }
            Kind::Join { .. } | Kind::Stop => {
                stopped = true;
                pending.clear();
            }
        }
    }
    (content, stopped)
}

fn sibling_kind(
    dom: &Dom,
    unit: usize,
    c: usize,
    dead: &[bool],
    live: &Live<'_>,
    titles: &[&str],
) -> Kind {
    let node = &dom.nodes[c];
    if dead[c] || !node.tag.is_block() || live.text[c] == 0 {
        return Kind::Neutral;
    }
    let (g, t, l) = (live.good[c], live.text[c], live.link[c]);
    if live.heading[c] == t {
        if is_headline(dom, c, titles) {
            return Kind::Small;
        }
        if l * 2 < t || crate::text::anchor_links_only(dom, c) {
            return Kind::Heading;
        }
    }
    let clean = node.tag != Tag::Article && !live.titled[c] && l * 4 < t;
    let shape = shape(dom, unit, c);
    let same = matches!(shape, Shape::Same) && node.flags & (BODY | POSITIVE) != 0;
    let joins = clean
        && match shape {
            // Marked as the body like the unit: any text of it is the story's
            // (a closing line too short to count as a paragraph).
            Shape::Same if node.flags & BODY != 0 => true,
            Shape::Same => g > 0 && g * 2 >= t,
            // More than a deck or a kicker.
            Shape::Similar => g >= 150 && g * 2 >= t,
            Shape::Other => {
                matches!(
                    node.tag,
                    Tag::P | Tag::Blockquote | Tag::Pre | Tag::Ul | Tag::Ol | Tag::Dl
                ) && g >= crate::selection::MIN_GOOD
                    && g * 2 >= t
            }
        };
    if joins {
        Kind::Join { same }
    } else if t < SMALL {
        Kind::Small
    } else {
        Kind::Stop
    }
}

enum Shape {
    /// Same tag, same class attribute: parts of one body.
    Same,
    /// Same tag, a class name in common (`section section--body` and
    /// `section section--body section--last`).
    Similar,
    Other,
}

/// How alike two elements look. Class names with digits are ignored when
/// looking for one in common: grid columns (`col-md-8`, `col-md-4`) and
/// generated names (`jsx-2234118020`) say nothing about content.
fn shape(dom: &Dom, a: usize, b: usize) -> Shape {
    if dom.nodes[a].tag != dom.nodes[b].tag {
        return Shape::Other;
    }
    match (dom.attr(a, "class"), dom.attr(b, "class")) {
        (Some(x), Some(y)) if !x.trim().is_empty() && x.trim() == y.trim() => Shape::Same,
        (Some(x), Some(y)) => {
            let plain = |w: &&str| !w.bytes().any(|b| b.is_ascii_digit());
            let shared = x
                .split_ascii_whitespace()
                .filter(plain)
                .any(|w| y.split_ascii_whitespace().any(|v| v == w));
            if shared { Shape::Similar } else { Shape::Other }
        }
        // Classless chapters.
        (None, None) if dom.nodes[a].tag == Tag::Section => Shape::Same,
        _ => Shape::Other,
    }
}

/// A heading that repeats the page's headline (`<h2 class=title>` over a
/// blog post's body).
fn is_headline(dom: &Dom, c: usize, titles: &[&str]) -> bool {
    let mut s = String::new();
    for j in c..dom.nodes[c].end as usize {
        if dom.nodes[j].tag == Tag::Text {
            s.push_str(dom.text_of(j));
            s.push(' ');
        }
    }
    let h: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if h.is_empty() {
        return false;
    }
    titles.iter().any(|t| {
        let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
        t == h
            || t.strip_prefix(h.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with(['|', '-', '–', '—', ':']))
    })
}
