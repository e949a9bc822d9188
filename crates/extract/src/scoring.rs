//! Finding the article container from DOM statistics.
//!
//! Text is attributed to its nearest block ancestor ("paragraph"). A
//! paragraph is good when it is long and not mostly link text. The container
//! is the element that maximises good text minus a share of the other text
//! it would drag in: the tightest element that still holds the article, found
//! in one bottom-up pass instead of readability's score propagation.

use crate::boilerplate::{
    BODY, BY_ID, CAPTION, DROP, HIDDEN, JUNK, JUNK_TAG, POSITIVE, STRONG_JUNK, WEAK_JUNK,
    id_is_heading_anchor,
};
use crate::dom::{Dom, NONE, Tag};
use crate::selection::MIN_GOOD;
pub use crate::selection::Selection;
pub use crate::words::{Anchor, anchor, for_each_word, word_hash};

/// Above this share of link text a paragraph is navigation.
const MAX_LINK_DENSITY: f32 = 0.35;
/// Cost of each character of non-article text swept into the container.
const ALPHA: f32 = 0.45;

/// Non-space characters and commas (Latin, CJK, Arabic) of a text, in one
/// byte pass: this runs over every text node of every page.
fn visible_len_and_commas(s: &str) -> (u32, u32) {
    let (mut len, mut commas) = (0u32, 0u32);
    let b = s.as_bytes();
    for (k, &c) in b.iter().enumerate() {
        if c < 0x80 {
            if !c.is_ascii_whitespace() {
                len += 1;
                commas += (c == b',') as u32;
            }
        } else if c & 0xC0 != 0x80 {
            // A character start; U+00A0 and friends count, which is harmless.
            len += 1;
            match (c, b.get(k + 1), b.get(k + 2)) {
                (0xEF, Some(0xBC), Some(0x8C))
                | (0xE3, Some(0x80), Some(0x81))
                | (0xD8, Some(0x8C), _) => commas += 1,
                _ => {}
            }
        }
    }
    (len, commas)
}

pub fn select(dom: &Dom, anchor: Option<&Anchor>) -> Option<Selection> {
    select_with(dom, anchor, true, &[])
}

/// `use_markup: false` ignores explicit body markup (`itemprop=articleBody`,
/// `article-body`), as on pages that have none; for measuring the generic
/// path. `titles` are the page's headline strings (og:title, `<title>`):
/// a heading next to the body that repeats one is not a section heading.
pub fn select_with(
    dom: &Dom,
    anchor: Option<&Anchor>,
    use_markup: bool,
    titles: &[&str],
) -> Option<Selection> {
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
        owner[i] = if pn.tag.is_block() {
            p as u32
        } else {
            owner[p]
        };
    }
    let mut own_text = vec![0u32; n];
    let mut own_link = vec![0u32; n];
    let mut own_commas = vec![0u32; n];
    let mut tlen = vec![0u32; n];
    for i in 1..n {
        if nodes[i].tag != Tag::Text || hard_dead[i] {
            continue;
        }
        let t = dom.text_of(i);
        let (len, commas) = visible_len_and_commas(t);
        if len == 0 {
            continue;
        }
        tlen[i] = len;
        let o = owner[i] as usize;
        own_text[o] += len;
        if in_link[i] {
            own_link[o] += len;
        } else {
            own_commas[o] += commas;
        }
    }
    let is_good = |i: usize| -> bool {
        let t = own_text[i];
        t >= MIN_GOOD && (own_link[i] as f32) < MAX_LINK_DENSITY * t as f32
            || (t >= MIN_GOOD / 2 && own_commas[i] >= 2 && own_link[i] * 5 < t)
            // Long items of a list article often open with a linked phrase.
            || (t >= 2 * MIN_GOOD && own_link[i] * 2 < t)
    };

    // First backward pass: raw totals, used to keep a mislabelled wrapper
    // (class="has-sidebar", a page-wide <form>) from taking the article with it.
    let mut g = vec![0u32; n];
    let mut contains_body = vec![false; n];
    for i in (0..n).rev() {
        if is_good(i) {
            g[i] += own_text[i];
        }
        contains_body[i] |= nodes[i].flags & BODY != 0;
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
    // Text inside sub-headings (h2-h6), and whether an <h1> is inside.
    let mut hd = vec![0u32; n];
    let mut has_h1 = vec![false; n];
    // Subtree text and link text without any pruning, for link-list tests.
    for i in (0..n).rev() {
        t[i] += own_text[i];
        l[i] += own_link[i];
        match nodes[i].tag {
            Tag::H1 => has_h1[i] = true,
            tag if tag.is_heading() => hd[i] = t[i],
            _ => {}
        }
        let p = nodes[i].parent;
        if p != NONE {
            let (ti, li, hi, h1) = (t[i], l[i], hd[i], has_h1[i]);
            t[p as usize] += ti;
            l[p as usize] += li;
            hd[p as usize] += hi;
            has_h1[p as usize] |= h1;
        }
    }
    // Items that open with a linked title (a linked heading, or a leading
    // link of some length in an item cut off with an ellipsis), and how many
    // children of each element are such items: the shape of a teaser list.
    let mut next_text = vec![NONE; n + 1];
    for j in (0..n).rev() {
        next_text[j] = if tlen[j] > 0 {
            j as u32
        } else {
            next_text[j + 1]
        };
    }
    let mut last_text = vec![NONE; n];
    for j in 0..n {
        last_text[j] = if tlen[j] > 0 {
            j as u32
        } else if j > 0 {
            last_text[j - 1]
        } else {
            NONE
        };
    }
    let mut linked_heading = vec![false; n];
    let mut titled = vec![false; n];
    let mut lh_children = vec![0u16; n];
    for i in (1..n).rev() {
        // A heading linking to itself (`<a href="#part-2">`) titles a section
        // of this page, not another story.
        if nodes[i].tag.is_heading()
            && t[i] > 0
            && l[i] * 2 >= t[i]
            && !crate::text::anchor_links_only(dom, i)
        {
            linked_heading[i] = true;
        }
        let p = nodes[i].parent as usize;
        if linked_heading[i] {
            linked_heading[p] = true;
        }
        let end = nodes[i].end;
        let first = next_text[i + 1];
        let leads_with_link = nodes[i].tag != Tag::Text
            && first != NONE
            && first < end
            && in_link[first as usize]
            && tlen[first as usize] >= 15;
        let cut_off = leads_with_link && {
            let last = last_text[end as usize - 1];
            last != NONE && last as usize > i && {
                let s = dom.text_of(last as usize).trim_end();
                s.ends_with("...") || s.ends_with('…') || s.ends_with("[…]")
            }
        };
        titled[i] = linked_heading[i] || cut_off;
        if titled[i] {
            lh_children[p] = lh_children[p].saturating_add(1);
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
        let mut f = nodes[i].flags;
        if f & BY_ID != 0 && id_is_heading_anchor(dom, i) {
            f &= !(JUNK | STRONG_JUNK | WEAK_JUNK | CAPTION);
        }
        let protected = contains_body[i] || f & BODY != 0;
        // A junk-sounding element holding most of the text is a page wrapper
        // (class="has-sidebar", an ASP.NET <form>); <aside> and <nav> say
        // what they are more reliably and must hold nearly all of it.
        let share = if matches!(nodes[i].tag, Tag::Aside | Tag::Nav) || f & STRONG_JUNK != 0 {
            0.9
        } else {
            0.5
        };
        let wrapper = (g[i] as f32) >= share * doc_good as f32;
        // A <header> holding only a section's heading (no <h1>, no byline
        // or links to speak of) belongs to the section it opens.
        let section_header = nodes[i].tag == Tag::Header
            && f & JUNK == 0
            && !has_h1[i]
            && hd[i] > 0
            && hd[i] * 2 >= t[i];
        let junk = f & (JUNK | JUNK_TAG) != 0 && !protected && !wrapper && !section_header;
        let weak = f & WEAK_JUNK != 0 && !protected && g[i] == 0;
        // A figure holding real text (some CMSs wrap paragraphs in one) stays.
        let caption = f & CAPTION != 0 && !protected && t[i] < 600;
        let link_list = matches!(
            nodes[i].tag,
            Tag::Ul | Tag::Ol | Tag::Div | Tag::Section | Tag::Table | Tag::Dl
        ) && t[i] > 0
            && l[i] as f32 > 0.6 * t[i] as f32
            && g[i] < 200
            && !protected;
        if junk
            || weak
            || caption
            || link_list
            || (!protected && lh_children[p] >= 2 && titled[i] && is_teaser(dom, i, &t, &l, &g))
        {
            dead[i] = true;
        }
    }

    // Second backward pass on what survived.
    let mut g2 = vec![0u32; n];
    let mut t2 = vec![0u32; n];
    let mut l2 = l;
    l2.fill(0);
    let mut hd2 = hd;
    hd2.fill(0);
    for i in (0..n).rev() {
        if dead[i] {
            continue;
        }
        t2[i] += own_text[i];
        l2[i] += own_link[i];
        if is_good(i) {
            g2[i] += own_text[i];
        }
        if nodes[i].tag.is_heading() && nodes[i].tag != Tag::H1 {
            hd2[i] = t2[i];
        }
        let p = nodes[i].parent;
        if p != NONE {
            let (gi, ti, li, hi) = (g2[i], t2[i], l2[i], hd2[i]);
            g2[p as usize] += gi;
            t2[p as usize] += ti;
            l2[p as usize] += li;
            hd2[p as usize] += hi;
        }
    }
    let mut best = anchored(dom, anchor, &dead, &t2)
        .or_else(|| {
            use_markup
                .then(|| body_marked(dom, &dead, &g2, &t2))
                .flatten()
        })
        .or_else(|| generic(dom, &dead, &g2, &t2));
    if best.is_none() {
        // No paragraph is long enough (verse, lists, captions-only pages):
        // fall back to short lines that are not links.
        g2.iter_mut().for_each(|g| *g = 0);
        for i in (0..n).rev() {
            if dead[i] {
                continue;
            }
            let t = own_text[i];
            if t >= 15 && own_link[i] * 3 < t {
                g2[i] += t;
            }
            let p = nodes[i].parent;
            if p != NONE {
                let gi = g2[i];
                g2[p as usize] += gi;
            }
        }
        best = generic(dom, &dead, &g2, &t2);
    }
    let best = first_of_several_articles(dom, best?, &dead, &g2);
    let live = crate::siblings::Live {
        good: &g2,
        text: &t2,
        link: &l2,
        heading: &hd2,
        titled: &titled,
    };
    let root = crate::siblings::widen(dom, best, &mut dead, &live, titles);
    // The widened root's totals, counting only the parts that joined.
    let (good, total) = if root == best {
        (g2[best], t2[best])
    } else {
        let (mut good, mut total) = (0, 0);
        let mut i = root;
        while i < nodes[root].end as usize {
            if dead[i] {
                i = nodes[i].end as usize;
                continue;
            }
            total += own_text[i];
            if is_good(i) {
                good += own_text[i];
            }
            i += 1;
        }
        (good, total)
    };
    Some(Selection {
        root,
        good,
        total,
        dead,
        own_text,
        own_link,
        doc_good,
    })
}

/// The element that best covers the reference text while adding the least
/// other text.
fn anchored(dom: &Dom, anchor: Option<&Anchor>, dead: &[bool], t2: &[u32]) -> Option<usize> {
    let anchor = anchor?;
    let nodes = &dom.nodes;
    let n = nodes.len();
    let mut m = vec![0u32; n];
    for i in 0..n {
        if nodes[i].tag != Tag::Text || dead[i] {
            continue;
        }
        let mut hit = 0;
        for_each_word(dom.text_of(i), |w| {
            if anchor.contains(&word_hash(w)) {
                hit += if w.is_ascii() {
                    w.len()
                } else {
                    w.chars().count()
                } as u32;
            }
        });
        m[i] = hit;
    }
    for i in (1..n).rev() {
        let p = nodes[i].parent as usize;
        let mi = m[i];
        m[p] += mi;
    }
    let mut best = None;
    let mut best_score = 0.0f32;
    for i in (0..n).rev() {
        if dead[i] || m[i] == 0 || !(nodes[i].tag.is_block() || nodes[i].tag == Tag::Document) {
            continue;
        }
        let s = m[i] as f32 - 1.0 * (t2[i].saturating_sub(m[i])) as f32;
        if s > best_score {
            best_score = s;
            best = Some(i);
        }
    }
    // The reference must actually be on the page, not just share words.
    let best = best?;
    (m[best] >= 200 && m[best] * 10 >= t2[best] * 7).then_some(best)
}

/// An element explicitly marked as the article body (`itemprop=articleBody`,
/// `class=article-body`) with real text in it. Sibling body parts split by
/// ads are taken together through their parent.
fn body_marked(dom: &Dom, dead: &[bool], g2: &[u32], t2: &[u32]) -> Option<usize> {
    let nodes = &dom.nodes;
    let marked: Vec<usize> = (0..nodes.len())
        .filter(|&i| !dead[i] && nodes[i].flags & BODY != 0 && g2[i] >= 150)
        .collect();
    // Prefer the innermost marking: `<body id=article_body>` or a wrapper
    // marked as well as the real body says little.
    let inner: Vec<usize> = marked
        .iter()
        .copied()
        .filter(|&i| {
            let end = nodes[i].end as usize;
            !marked
                .iter()
                .any(|&j| j > i && j < end && g2[j] * 10 >= g2[i] * 6)
        })
        .collect();
    // Keep only outermost of what is left, so parts are not counted twice.
    let mut tops: Vec<usize> = Vec::new();
    for &i in &inner {
        if tops.last().is_some_and(|&t| i < nodes[t].end as usize) {
            continue;
        }
        tops.push(i);
    }
    let total: u32 = tops.iter().map(|&i| g2[i]).sum();
    if total < 300 {
        return None;
    }
    let &biggest = tops.iter().max_by_key(|&&i| g2[i])?;
    // Body parts split by ads or pull quotes: take their common ancestor when
    // it adds little text of its own.
    let parts: Vec<usize> = tops
        .iter()
        .copied()
        .filter(|&i| g2[i] * 10 >= g2[biggest])
        .collect();
    if parts.len() > 1 {
        let lca = common_ancestor(dom, &parts);
        let parts_text: u32 = parts.iter().map(|&i| t2[i]).sum();
        if lca != 0 && (t2[lca] as f32) <= 1.3 * parts_text as f32 + 300.0 {
            return Some(lca);
        }
    }
    Some(biggest)
}

fn common_ancestor(dom: &Dom, items: &[usize]) -> usize {
    let nodes = &dom.nodes;
    let mut a = items[0];
    for &b in &items[1..] {
        while !(a <= b && b < nodes[a].end as usize) {
            let p = nodes[a].parent;
            if p == NONE {
                return 0;
            }
            a = p as usize;
        }
    }
    a
}

fn generic(dom: &Dom, dead: &[bool], g2: &[u32], t2: &[u32]) -> Option<usize> {
    let nodes = &dom.nodes;
    let n = nodes.len();
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
    // Scattered good paragraphs far from the article (a promo blurb, a
    // footer note) can pull the choice up to a wide ancestor; when one child
    // holds nearly all the good text, that child is the article.
    loop {
        let end = nodes[best].end as usize;
        let mut c = best + 1;
        let mut next = None;
        while c < end {
            if !dead[c] && g2[c] as f32 >= DOMINANT * g2[best] as f32 && nodes[c].tag.is_block() {
                next = Some(c);
                break;
            }
            c = nodes[c].end as usize;
        }
        match next {
            Some(c) => best = c,
            None => return Some(best),
        }
    }
}

/// Share of the container's good text a single child must hold to replace it;
/// on the dev set 0.85-0.92 help, 0.75 starts to cut lead paragraphs.
const DOMINANT: f32 = 0.85;

/// Infinite-scroll pages hold the next stories below the first, each in its
/// own `<article>`: the page's own story is the first.
fn first_of_several_articles(dom: &Dom, best: usize, dead: &[bool], g2: &[u32]) -> usize {
    let nodes = &dom.nodes;
    let end = nodes[best].end as usize;
    let mut found = Vec::new();
    let mut i = best + 1;
    while i < end {
        if !dead[i] && nodes[i].tag == Tag::Article && g2[i] >= 200 {
            found.push(i);
            i = nodes[i].end as usize;
        } else {
            i += 1;
        }
    }
    if found.len() >= 2 { found[0] } else { best }
}

/// A teaser for another story: a small block, partly links, that leads
/// with a linked heading among siblings that do the same (checked by the
/// caller).
fn is_teaser(dom: &Dom, i: usize, t: &[u32], l: &[u32], g: &[u32]) -> bool {
    let node = &dom.nodes[i];
    matches!(node.tag, Tag::Li | Tag::Article | Tag::Div | Tag::Section)
        && t[i] > 0
        && t[i] <= 1000
        && g[i] <= 400
        && l[i] as f32 >= 0.1 * t[i] as f32
}
