//! Rendering the chosen container as plain text and as simple HTML.

use crate::boilerplate::HIDDEN;
use crate::dom::{Dom, Tag};
use crate::media::{absolutize, pick_img_src};
use crate::sanitize::{allowed_url, escape};
use crate::selection::Selection;

/// Plain text builder: collapses whitespace like a browser and separates
/// blocks by one blank line.
#[derive(Default)]
pub struct TextBuf {
    out: String,
    pending_space: bool,
    /// Where the current paragraph starts, and hashes of the ones before:
    /// a paragraph seen already (a caption repeated per slide, a pull
    /// quote) is dropped.
    para_start: usize,
    seen: crate::boilerplate::HashSet64,
}

impl TextBuf {
    pub fn push_text(&mut self, s: &str) {
        // Fast path: runs of ASCII words go in whole.
        if s.is_ascii() {
            if s.starts_with(|c: char| c.is_ascii_whitespace()) {
                self.pending_space = true;
            }
            for word in s.split_ascii_whitespace() {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.out.push_str(word);
                self.pending_space = true;
            }
            self.pending_space = s.ends_with(|c: char| c.is_ascii_whitespace())
                || (s.is_empty() && self.pending_space);
            return;
        }
        for c in s.chars() {
            if c.is_whitespace() || c == '\u{200b}' {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push(c);
            }
        }
    }

    pub fn paragraph(&mut self) {
        self.pending_space = false;
        self.dedup_last();
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        if self.out.ends_with('\n') {
            self.out.push('\n');
        } else {
            self.out.push_str("\n\n");
        }
        self.para_start = self.out.len();
    }

    pub fn line(&mut self) {
        self.pending_space = false;
        if self.out.ends_with('\n') {
            // `<br><br>` is how old pages separate paragraphs.
            self.paragraph();
        } else if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn dedup_last(&mut self) {
        let para = self.out[self.para_start..].trim();
        if para.len() >= 130 {
            let h = crate::words::word_hash(para);
            if !self.seen.insert(h) {
                self.out.truncate(self.para_start);
            }
        }
        self.para_start = self.out.len();
    }

    /// The text as built, without the article-edge trimming of `finish`.
    pub fn into_text(mut self) -> String {
        self.dedup_last();
        self.out.trim_end().to_string()
    }

    pub fn finish(mut self) -> String {
        self.dedup_last();
        trim_edges(self.out.trim_end())
    }
}

/// Calls to action and credit lines that close an article ("Sign up for our
/// newsletter", "Reporting by …", "© 2019 …"), and a byline opening it. Only
/// short paragraphs at the edges are candidates: the same words mid-article
/// are usually the story.
pub fn trim_edges(text: &str) -> String {
    let mut paras: Vec<&str> = text.split("\n\n").collect();
    // A "More stories" / "You may also like" label near the end starts the
    // links to other pages that follow the story.
    // What follows the label must look like headlines, not more of the
    // story (a "Sponsored" label left inside the article by an inline ad).
    let n = paras.len();
    if n >= 3
        && let Some(k) = (n.saturating_sub(8).max(1)..n).find(|&k| {
            is_more_label(paras[k]) && paras[k + 1..].iter().all(|p| p.chars().count() < 200)
        })
    {
        paras.truncate(k);
    }
    let mut dropped = 0;
    while dropped < 5 && paras.len() > 1 && paras.last().is_some_and(|p| is_trailer(p)) {
        paras.pop();
        dropped += 1;
    }
    while paras.len() > 1 && paras.first().is_some_and(|p| is_byline(p)) {
        paras.remove(0);
    }
    paras.join("\n\n")
}

fn is_more_label(p: &str) -> bool {
    let p = p.trim();
    if p.chars().count() > 40 || p.ends_with('.') {
        return false;
    }
    let lower = p.to_lowercase();
    [
        "more great",
        "more stories",
        "more from",
        "more on this",
        "related stories",
        "related articles",
        "related content",
        "related posts",
        "you may also like",
        "you might also like",
        "recommended for you",
        "most popular",
        "most read",
        "trending now",
        "top stories",
        "latest news",
        "also on ",
        "read next",
        "what to read next",
        "around the web",
        "from the web",
        "sponsored",
        "back to top",
    ]
    .iter()
    .any(|m| lower.starts_with(m))
}

fn is_byline(p: &str) -> bool {
    let lower = p.trim().to_lowercase();
    lower.chars().count() < 80
        && !lower.ends_with('.')
        && (lower.starts_with("by ") || lower.starts_with("von ") || lower.starts_with("por "))
}

fn is_trailer(p: &str) -> bool {
    let p = p.trim();
    if p.chars().count() > 300 {
        return false;
    }
    let lower = p.to_lowercase();
    const STARTS: &[&str] = &[
        "reporting by",
        "(reporting by",
        "additional reporting",
        "editing by",
        "(editing by",
        "writing by",
        "compiled by",
        "source:",
        "sources:",
        "copyright",
        "©",
        "(c) ",
        "citation:",
        "this document is subject to copyright",
        "follow ",
        "sign up",
        "subscribe",
        "get the latest",
        "like this story",
        "have a tip",
        "email ",
        "e-mail ",
        "read more",
        "more great",
        "related:",
        "see also",
        "tell us what you think",
        "post comment",
        "if you enjoyed this",
        "listen to",
        "click here",
        "download the",
        "want more",
        "don't miss",
        "also read",
        "also see",
        "more:",
        "recommended",
        "share this",
        "share on",
        "leia mais",
        "leia também",
        "veja também",
        "lesen sie auch",
        "mehr zum thema",
        "lire aussi",
        "à lire aussi",
        "leer más",
        "lee también",
        "читайте также",
    ];
    const CONTAINS: &[&str] = &[
        "newsletter",
        "all rights reserved",
        "contributed to this report",
        "contributed reporting",
        "contributed to this story",
        "follow us on",
        "follow him on",
        "follow her on",
        "follow them on",
        "on twitter @",
        "sign up for",
        "subscribe to",
        "your inbox",
        "todos os direitos reservados",
        "alle rechte vorbehalten",
        "tous droits réservés",
        "todos los derechos reservados",
        "все права защищены",
    ];
    // A short shouted label ("SUBSCRIBE", "LEARN MORE") is a button.
    let shouted = p.chars().count() <= 25
        && p.chars().any(char::is_alphabetic)
        && !p.chars().any(char::is_lowercase);
    shouted
        || STARTS.iter().any(|s| lower.starts_with(s))
        || CONTAINS.iter().any(|s| lower.contains(s))
}

/// Blocks mostly made of links (above 60%) are navigation at any length seen
/// in practice; tuned on the dev set (0.966 at 300, 0.967 at 1000).
const LINK_LINE_MAX: u32 = 1000;

/// Blocks dropped at render time: mostly-link lines ("Read more: …"), the
/// page title, which the article text does not repeat, and noise lines.
fn skip_block(dom: &Dom, sel: &Selection, i: usize) -> bool {
    let t = sel.own_text[i];
    let l = sel.own_link[i];
    let tag = dom.nodes[i].tag;
    tag == Tag::H1
        || (t > 0
            && l * 10 > t * 6
            && t < LINK_LINE_MAX
            && !matches!(tag, Tag::Td | Tag::Th)
            && !(tag.is_heading() && heading_kept_with_links(dom, i)))
        || (t > 0 && t < 120 && is_noise(dom, i))
}

/// A sub-heading may be a link: to itself (an anchor), or to the product or
/// place a section of a list article is about. A linked call to action
/// ("Click here to subscribe", "Related post: …") is still dropped.
fn heading_kept_with_links(dom: &Dom, i: usize) -> bool {
    if anchor_links_only(dom, i) {
        return true;
    }
    let s = own_text(dom, i);
    let lower = s.trim().to_lowercase();
    !is_trailer(&s) && !lower.starts_with("related") && !lower.starts_with("see ")
}

/// Every link inside `i` points into this page (`href="#…"`): a heading's
/// anchor link, not a link elsewhere.
pub(crate) fn anchor_links_only(dom: &Dom, i: usize) -> bool {
    let mut any = false;
    for j in i + 1..dom.nodes[i].end as usize {
        if dom.nodes[j].tag == Tag::A {
            if !dom.attr(j, "href").is_some_and(|h| h.starts_with('#')) {
                return false;
            }
            any = true;
        }
    }
    any
}

/// A short line that only dates the page: a year plus a clock time, or a
/// year plus a "published/updated" label.
fn is_dateline(s: &str) -> bool {
    if s.chars().count() > 90 {
        return false;
    }
    let b = s.as_bytes();
    let has_year = b.windows(4).enumerate().any(|(k, w)| {
        (w.starts_with(b"19") || w.starts_with(b"20"))
            && w.iter().all(u8::is_ascii_digit)
            && (k == 0 || !b[k - 1].is_ascii_digit())
            && b.get(k + 4).is_none_or(|c| !c.is_ascii_digit())
    });
    if !has_year {
        return false;
    }
    let has_clock = b.windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    });
    let lower = s.to_lowercase();
    let labelled = [
        "updated",
        "published",
        "posted",
        "atualizado",
        "publicado",
        "aktualisiert",
        "veröffentlicht",
        "mis à jour",
        "publié",
        "опубликовано",
        "обновлено",
    ]
    .iter()
    .any(|k| lower.contains(k));
    has_clock || labelled
}

/// The text a block owns, without nested blocks.
fn own_text(dom: &Dom, i: usize) -> String {
    let mut s = String::new();
    let end = dom.nodes[i].end as usize;
    let mut j = i + 1;
    while j < end {
        let n = &dom.nodes[j];
        if n.tag.is_block() && n.tag != Tag::Br {
            j = n.end as usize;
            continue;
        }
        if n.tag == Tag::Text {
            s.push_str(dom.text_of(j));
        }
        j += 1;
    }
    s
}

/// A short block that is a bare URL (print-only link lines), a bare number
/// (share counters) or a placeholder label.
fn is_noise(dom: &Dom, i: usize) -> bool {
    let s = own_text(dom, i);
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    if !s.chars().any(char::is_alphabetic) {
        return true;
    }
    if !s.contains(' ')
        && (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www."))
    {
        return true;
    }
    if is_dateline(s) {
        return true;
    }
    if let Some(rest) = s
        .strip_prefix("Tags")
        .or_else(|| s.strip_prefix("Tagged"))
        .or_else(|| s.strip_prefix("TAGS"))
        && rest.starts_with([':', ' ', '\u{a0}'])
        && s.len() < 300
    {
        return true;
    }
    let lower = s.to_lowercase();
    let lower = lower.trim_end_matches([':', '.']);
    matches!(
        lower,
        "advertisement"
            | "advert"
            | "ad"
            | "anzeige"
            | "publicidad"
            | "publicidade"
            | "pubblicità"
            | "publicité"
            | "реклама"
            | "comments"
            | "comment"
            | "share"
            | "share this"
            | "share this article"
            | "tweet"
            | "print"
            | "email"
            | "read more"
            | "continue reading"
            | "related"
            | "related articles"
            | "related stories"
            | "more"
            | "loading"
            | "loading..."
            | "this slideshow requires javascript"
    )
}

pub fn render_text(dom: &Dom, sel: &Selection) -> String {
    let nodes = &dom.nodes;
    let root = sel.root;
    let mut buf = TextBuf::default();
    let mut ends: Vec<u32> = Vec::new();
    let mut skip_until = 0u32;
    let mut i = root;
    let end = nodes[root].end as usize;
    while i < end {
        while let Some(&e) = ends.last() {
            if i as u32 >= e {
                ends.pop();
                buf.paragraph();
            } else {
                break;
            }
        }
        let n = &nodes[i];
        if sel.dead[i] {
            i = n.end as usize;
            continue;
        }
        match n.tag {
            Tag::Text if i as u32 >= skip_until => {
                buf.push_text(dom.text_of(i));
            }
            Tag::Br => buf.line(),
            t if t.is_block() => {
                buf.paragraph();
                ends.push(n.end);
                if skip_block(dom, sel, i) {
                    // Only the block's own text is dropped; nested blocks
                    // are judged on their own.
                    skip_until = skip_until.max(first_block_child(dom, i).unwrap_or(n.end));
                }
            }
            _ => {}
        }
        i += 1;
    }
    buf.finish()
}

fn first_block_child(dom: &Dom, i: usize) -> Option<u32> {
    let end = dom.nodes[i].end as usize;
    (i + 1..end)
        .find(|&j| dom.nodes[j].tag.is_block() && dom.nodes[j].tag != Tag::Br)
        .map(|j| j as u32)
}

fn html_name(tag: Tag) -> Option<&'static str> {
    use Tag::*;
    Some(match tag {
        P => "p",
        H2 => "h2",
        H3 => "h3",
        H4 => "h4",
        H5 => "h5",
        H6 => "h6",
        Ul => "ul",
        Ol => "ol",
        Li => "li",
        Blockquote => "blockquote",
        Pre => "pre",
        Code => "code",
        Em | I => "em",
        Strong | B => "strong",
        A => "a",
        Figure => "figure",
        Figcaption => "figcaption",
        Table => "table",
        Thead => "thead",
        Tbody => "tbody",
        Tr => "tr",
        Td => "td",
        Th => "th",
        Br => "br",
        Hr => "hr",
        Sup => "sup",
        Sub => "sub",
        Dl => "dl",
        Dt => "dt",
        Dd => "dd",
        Q => "q",
        Cite => "cite",
        Abbr => "abbr",
        U => "u",
        S | Strike | Del => "del",
        Ins => "ins",
        Mark => "mark",
        Small => "small",
        _ => return None,
    })
}

/// The container as HTML within the shared allow-list: only tags the
/// sanitiser allows, only `href`/`src`/`alt`, absolute http(s) URLs, forced
/// link `rel`. Built that way rather than by running the sanitiser, which
/// would re-parse it; the dev-set test checks that `sanitize_html` leaves
/// this output unchanged. Images survive even though they carry no text.
pub fn render_html(dom: &Dom, sel: &Selection, base: Option<&url::Url>) -> String {
    let nodes = &dom.nodes;
    let mut out = String::new();
    let mut closes: Vec<(u32, &'static str)> = Vec::new();
    let root = sel.root;
    let end = nodes[root].end as usize;
    let mut i = root + 1;
    while i < end {
        while let Some(&(e, name)) = closes.last() {
            if i as u32 >= e {
                closes.pop();
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            } else {
                break;
            }
        }
        let n = &nodes[i];
        // Table structure must be complete or the parser would rearrange it
        // (and the output would no longer be a sanitiser fixed point).
        let inside = closes.last().map(|c| c.1);
        let in_table_ctx = matches!(inside, Some("tbody" | "tr"));
        if in_table_ctx {
            let ok = match inside {
                Some("tbody") => {
                    n.tag == Tag::Tr || matches!(n.tag, Tag::Thead | Tag::Tbody | Tag::Tfoot)
                }
                _ => matches!(n.tag, Tag::Td | Tag::Th),
            };
            if !ok {
                i = n.end as usize;
                continue;
            }
        }
        if n.tag == Tag::Img && !sel.dead[n.parent as usize] && n.flags & HIDDEN == 0 {
            let src = pick_img_src(|a| dom.attr(i, a))
                .map(|s| absolutize(&s, base))
                .filter(|s| allowed_url(s));
            if let Some(src) = src {
                out.push_str("<img src=\"");
                escape(&mut out, &src, true);
                out.push('"');
                if let Some(alt) = dom.attr(i, "alt") {
                    out.push_str(" alt=\"");
                    escape(&mut out, alt, true);
                    out.push('"');
                }
                out.push('>');
            }
            i = n.end as usize;
            continue;
        }
        if sel.dead[i]
            || (n.tag.is_block()
                && skip_block(dom, sel, i)
                && sel.own_text[i] > 0
                && first_block_child(dom, i).is_none())
        {
            i = n.end as usize;
            continue;
        }
        let in_emitted_table = closes.iter().any(|c| c.1 == "table");
        match n.tag {
            Tag::Text => {
                let mut t = dom.text_of(i);
                if inside == Some("pre") && out.ends_with("<pre>") {
                    // The parser drops a newline right after <pre>.
                    t = t.trim_start_matches(['\r', '\n']);
                }
                escape(&mut out, t, false);
            }
            Tag::Table => {
                out.push_str("<table><tbody>");
                closes.push((n.end, "table"));
                closes.push((n.end, "tbody"));
            }
            Tag::Thead | Tag::Tbody | Tag::Tfoot => {}
            Tag::Tr | Tag::Td | Tag::Th if !in_emitted_table => {}
            // A link into this page (a heading's anchor, a footnote mark)
            // leads nowhere once the text is out of it.
            Tag::A if dom.attr(i, "href").is_some_and(|h| h.starts_with('#')) => {}
            _ => {
                if let Some(name) = html_name(n.tag) {
                    out.push('<');
                    out.push_str(name);
                    if n.tag == Tag::A {
                        if let Some(h) = dom
                            .attr(i, "href")
                            .map(|h| absolutize(h, base))
                            .filter(|h| allowed_url(h))
                        {
                            out.push_str(" href=\"");
                            escape(&mut out, &h, true);
                            out.push('"');
                        }
                        out.push_str(" rel=\"");
                        out.push_str(crate::sanitize::LINK_REL);
                        out.push('"');
                    }
                    out.push('>');
                    if !matches!(n.tag, Tag::Br | Tag::Hr) {
                        closes.push((n.end, name));
                    }
                } else if matches!(
                    n.tag,
                    Tag::Div
                        | Tag::Section
                        | Tag::Article
                        | Tag::Main
                        | Tag::Center
                        | Tag::Td
                        | Tag::Th
                        | Tag::Tr
                ) && !closes
                    .iter()
                    .any(|c| matches!(c.1, "p" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "a"))
                    && has_direct_text(dom, i)
                    && !has_block_descendant(dom, i)
                {
                    // Bare text in a leaf div still needs paragraph structure.
                    out.push_str("<p>");
                    closes.push((n.end, "p"));
                }
            }
        }
        i += 1;
    }
    while let Some((_, name)) = closes.pop() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    out
}

fn has_block_descendant(dom: &Dom, i: usize) -> bool {
    let end = dom.nodes[i].end as usize;
    (i + 1..end)
        .any(|j| dom.nodes[j].tag.is_block() && !matches!(dom.nodes[j].tag, Tag::Br | Tag::Other))
}

fn has_direct_text(dom: &Dom, i: usize) -> bool {
    let end = dom.nodes[i].end as usize;
    let mut j = i + 1;
    while j < end {
        let n = &dom.nodes[j];
        if n.tag == Tag::Text && !dom.text_of(j).trim().is_empty() {
            return true;
        }
        j = if n.tag.is_block() {
            n.end as usize
        } else {
            j + 1
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_calls_to_action_and_leading_bylines_go() {
        let t = "By Jane Roe\n\nThe story itself, which mentions a newsletter in passing.\n\nSecond paragraph.\n\nReporting by A; editing by B\n\nSign up for our newsletter!";
        assert_eq!(
            trim_edges(t),
            "The story itself, which mentions a newsletter in passing.\n\nSecond paragraph."
        );
    }

    #[test]
    fn a_more_stories_label_near_the_end_cuts_the_rest() {
        let t = "First paragraph of the story.\n\nSecond paragraph of the story.\n\nThird one.\n\nMore Great Stories\n\nSome other headline\n\nAnother headline";
        assert_eq!(
            trim_edges(t),
            "First paragraph of the story.\n\nSecond paragraph of the story.\n\nThird one."
        );
        let t = "Story text here.\n\nSUBSCRIBE";
        assert_eq!(trim_edges(t), "Story text here.");
    }

    #[test]
    fn inline_boundaries_keep_or_add_spaces_like_a_browser() {
        let mut b = TextBuf::default();
        for part in ["foo", "bar", " baz", "qux ", "end", "\u{a0}ünï ", "x"] {
            b.push_text(part);
        }
        assert_eq!(b.finish(), "foobar bazqux end ünï x");
    }

    #[test]
    fn whitespace_collapses_and_blocks_separate() {
        let mut b = TextBuf::default();
        b.push_text("  one\n two ");
        b.paragraph();
        b.push_text("three");
        b.line();
        b.push_text("four");
        assert_eq!(b.finish(), "one two\n\nthree\nfour");
    }
}
