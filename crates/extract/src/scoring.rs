//! Finding the article container from DOM statistics.
//!
//! Text is attributed to its nearest block ancestor ("paragraph"). A
//! paragraph is good when it is long and not mostly link text. The container
//! is the element that maximises good text minus a share of the other text
//! it would drag in: the tightest element that still holds the article, found
//! in one bottom-up pass instead of readability's score propagation.

use crate::boilerplate::{BODY, DROP, HIDDEN, JUNK, JUNK_TAG, POSITIVE, WEAK_JUNK};
use crate::dom::{Dom, NONE, Tag};

/// A paragraph shorter than this (non-space characters) is not evidence of
/// an article on its own.
const MIN_GOOD: u32 = 60;
/// Above this share of link text a paragraph is navigation.
const MAX_LINK_DENSITY: f32 = 0.35;
/// Cost of each character of non-article text swept into the container.
const ALPHA: f32 = 0.45;

pub struct Selection {
    pub root: usize,
    /// True for every node that is excluded, self or by an ancestor.
    pub dead: Vec<bool>,
    /// Non-space characters of paragraph text owned by each block.
    pub own_text: Vec<u32>,
    pub own_link: Vec<u32>,
    /// Good paragraph text inside the chosen container.
    pub good: u32,
    pub total: u32,
    /// Good paragraph text in the whole document.
    pub doc_good: u32,
}

fn visible_len(s: &str) -> u32 {
    s.chars().filter(|c| !c.is_whitespace()).count() as u32
}

pub fn select(dom: &Dom) -> Option<Selection> {
    let nodes = &dom.nodes;
    let n = nodes.len();
    if n < 2 {
        return None;
    }
    // Forward pass: inherited state.
    let mut hard_dead = vec![false; n];
    let mut in_link = vec![false; n];
    let mut owner = vec![0u32; n];
    for i in 1..n {
        let node = &nodes[i];
        let p = node.parent as usize;
        let pn = &nodes[p];
        hard_dead[i] = hard_dead[p] || node.flags & (HIDDEN | DROP) != 0;
        in_link[i] = in_link[p] || pn.tag == Tag::A;
        owner[i] = if pn.tag.is_block() { p as u32 } else { owner[p] };
    }
    let mut own_text = vec![0u32; n];
    let mut own_link = vec![0u32; n];
    let mut own_commas = vec![0u32; n];
    for i in 1..n {
        if nodes[i].tag != Tag::Text || hard_dead[i] {
            continue;
        }
        let t = dom.text_of(i);
        let len = visible_len(t);
        if len == 0 {
            continue;
        }
        let o = owner[i] as usize;
        own_text[o] += len;
        if in_link[i] {
            own_link[o] += len;
        } else {
            own_commas[o] += t.matches([',', '，', '、', '،']).count() as u32;
        }
    }
    let is_good = |i: usize| -> bool {
        let t = own_text[i];
        t >= MIN_GOOD && (own_link[i] as f32) < MAX_LINK_DENSITY * t as f32
            || (t >= MIN_GOOD / 2 && own_commas[i] >= 2 && own_link[i] * 5 < t)
    };

    // First backward pass: raw totals, used to keep a mislabelled wrapper
    // (class="has-sidebar", a page-wide <form>) from taking the article with it.
    let mut g = vec![0u32; n];
    let mut contains_body = vec![false; n];
    for i in (0..n).rev() {
        if is_good(i) {
            g[i] += own_text[i];
        }
        contains_body[i] |= nodes[i].flags & BODY != 0 || nodes[i].tag == Tag::Article;
        let p = nodes[i].parent;
        if p != NONE {
            let (gi, cb) = (g[i], contains_body[i]);
            g[p as usize] += gi;
            contains_body[p as usize] |= cb;
        }
    }
    let doc_good = g[0];

    let mut dead = hard_dead;
    let mut t = vec![0u32; n];
    let mut l = vec![0u32; n];
    // Subtree text and link text without any pruning, for link-list tests.
    for i in (0..n).rev() {
        t[i] += own_text[i];
        l[i] += own_link[i];
        let p = nodes[i].parent;
        if p != NONE {
            let (ti, li) = (t[i], l[i]);
            t[p as usize] += ti;
            l[p as usize] += li;
        }
    }
    for i in 1..n {
        if dead[i] {
            continue;
        }
        let p = nodes[i].parent as usize;
        if dead[p] {
            dead[i] = true;
            continue;
        }
        let f = nodes[i].flags;
        let protected = contains_body[i] || f & BODY != 0;
        let junk = f & (JUNK | JUNK_TAG) != 0
            && !protected
            && (g[i] as f32) < 0.5 * doc_good as f32;
        let weak = f & WEAK_JUNK != 0 && !protected && g[i] == 0;
        let link_list = matches!(nodes[i].tag, Tag::Ul | Tag::Ol | Tag::Div | Tag::Section | Tag::Table | Tag::Dl)
            && t[i] > 0
            && l[i] as f32 > 0.6 * t[i] as f32
            && g[i] < 200
            && !protected;
        if junk || weak || link_list {
            dead[i] = true;
        }
    }

    // Second backward pass on what survived.
    let mut g2 = vec![0u32; n];
    let mut t2 = vec![0u32; n];
    for i in (0..n).rev() {
        if dead[i] {
            continue;
        }
        t2[i] += own_text[i];
        if is_good(i) {
            g2[i] += own_text[i];
        }
        let p = nodes[i].parent;
        if p != NONE {
            let (gi, ti) = (g2[i], t2[i]);
            g2[p as usize] += gi;
            t2[p as usize] += ti;
        }
    }
    let mut best = NONE as usize;
    let mut best_score = f32::MIN;
    for i in (0..n).rev() {
        let node = &nodes[i];
        if dead[i] || g2[i] == 0 || !(node.tag.is_block() || node.tag == Tag::Document) {
            continue;
        }
        let mut s = g2[i] as f32 - ALPHA * (t2[i] - g2[i]) as f32;
        if node.flags & BODY != 0 {
            s += 0.15 * g2[i] as f32;
        } else if node.flags & POSITIVE != 0 || node.tag == Tag::Article {
            s += 0.03 * g2[i] as f32;
        }
        if s > best_score {
            best_score = s;
            best = i;
        }
    }
    if best == NONE as usize {
        return None;
    }
    Some(Selection {
        root: best,
        good: g2[best],
        total: t2[best],
        dead,
        own_text,
        own_link,
        doc_good,
    })
}
