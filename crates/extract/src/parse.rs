//! Tree building straight into the flat `Dom`.
//!
//! The throughput bar (20× trafilatura per CPU-second) leaves well under a
//! millisecond per page, and html5ever plus scraper spent about two thirds of
//! the whole budget building a general-purpose DOM with every attribute
//! interned. Extraction needs much less: element nesting with the HTML
//! implied-end-tag rules that change which block a text belongs to (`<p>`,
//! `<li>`, table cells, headings), text with entities decoded, and a dozen
//! attributes. This builder does exactly that on the pre-passed markup
//! (no scripts, styles or comments left). html5ever stays in use where exact
//! HTML semantics matter: the sanitiser that guards stored HTML, and as the
//! reference this builder is tested against (`parse_html5ever`,
//! `tests/parser_agreement.rs`, `tests/devset.rs`).

use crate::boilerplate::Classifier;
use crate::dom::{Attr, Dom, NONE, Node, Tag};
use memchr::memchr;

/// Open elements beyond this are treated as empty: bounded work per tag.
const MAX_STACK: usize = 512;

/// Attributes worth keeping, interned to statics; the rest are skipped
/// without allocating.
pub(crate) fn kept_name(raw: &[u8]) -> Option<&'static str> {
    if raw.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    let name = &mut buf[..raw.len()];
    name.copy_from_slice(raw);
    name.make_ascii_lowercase();
    Some(match &*name {
        b"class" => "class",
        b"id" => "id",
        b"style" => "style",
        b"hidden" => "hidden",
        b"aria-hidden" => "aria-hidden",
        b"role" => "role",
        b"itemprop" => "itemprop",
        b"itemtype" => "itemtype",
        b"href" => "href",
        b"src" => "src",
        b"data-src" => "data-src",
        b"data-lazy-src" => "data-lazy-src",
        b"data-original" => "data-original",
        b"data-lazy" => "data-lazy",
        b"data-url" => "data-url",
        b"data-hi-res-src" => "data-hi-res-src",
        b"srcset" => "srcset",
        b"data-srcset" => "data-srcset",
        b"data-lazy-srcset" => "data-lazy-srcset",
        b"alt" => "alt",
        b"width" => "width",
        b"height" => "height",
        b"rel" => "rel",
        b"content" => "content",
        b"property" => "property",
        b"name" => "name",
        b"http-equiv" => "http-equiv",
        b"lang" => "lang",
        b"xml:lang" => "xml:lang",
        b"datetime" => "datetime",
        b"type" => "type",
        b"charset" => "charset",
        _ => return None,
    })
}

fn is_void(t: Tag, name: &[u8]) -> bool {
    matches!(
        t,
        Tag::Br
            | Tag::Hr
            | Tag::Img
            | Tag::Input
            | Tag::Link
            | Tag::Meta
            | Tag::Source
            | Tag::Embed
    ) || matches!(
        name,
        b"area" | b"base" | b"col" | b"param" | b"track" | b"wbr" | b"keygen" | b"frame"
    )
}

/// Start tags that close an open `<p>` (the HTML spec's list, abridged).
fn closes_p(t: Tag) -> bool {
    use Tag::*;
    matches!(
        t,
        Address
            | Article
            | Aside
            | Blockquote
            | Center
            | Details
            | Dialog
            | Div
            | Dl
            | Fieldset
            | Figcaption
            | Figure
            | Footer
            | Form
            | H1
            | H2
            | H3
            | H4
            | H5
            | H6
            | Header
            | Hr
            | Main
            | Menu
            | Nav
            | Ol
            | P
            | Pre
            | Section
            | Table
            | Ul
            | Li
            | Dd
            | Dt
    )
}

struct Builder<'a> {
    src: &'a str,
    nodes: Vec<Node>,
    names: Vec<u32>,
    text: String,
    attrs: Vec<Attr>,
    attr_text: String,
    stack: Vec<u32>,
    classifier: Classifier,
    last_text: u32,
    /// Open elements per tag, so implied-end-tag searches are skipped when
    /// there is nothing to find (they would otherwise walk the whole stack
    /// for every block).
    open: [u32; 128],
}

fn name_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

pub fn build(src: &str) -> Dom {
    let mut b = Builder {
        src,
        nodes: Vec::with_capacity(src.len() / 40 + 4),
        names: Vec::with_capacity(src.len() / 40 + 4),
        text: String::with_capacity(src.len() / 3),
        attrs: Vec::with_capacity(src.len() / 60),
        attr_text: String::with_capacity(src.len() / 8),
        stack: vec![0],
        classifier: Classifier::default(),
        last_text: NONE,
        open: [0; 128],
    };
    b.nodes.push(Node {
        parent: NONE,
        end: 1,
        tag: Tag::Document,
        flags: 0,
        text: (0, 0),
        attrs: (0, 0),
    });
    b.names.push(0);
    b.run();
    while b.stack.len() > 1 {
        b.pop();
    }
    b.nodes[0].end = b.nodes.len() as u32;
    Dom {
        nodes: b.nodes,
        text: b.text,
        attrs: b.attrs,
        attr_text: b.attr_text,
    }
}

impl Builder<'_> {
    fn run(&mut self) {
        let bytes = self.src.as_bytes();
        let mut i = 0;
        let mut name_buf = [0u8; 32];
        while i < bytes.len() {
            let lt = match memchr(b'<', &bytes[i..]) {
                Some(off) => i + off,
                None => bytes.len(),
            };
            if lt > i {
                self.add_text(i, lt);
            }
            if lt >= bytes.len() {
                break;
            }
            let next = bytes.get(lt + 1).copied().unwrap_or(b' ');
            if next == b'/' {
                let n = read_name(bytes, lt + 2, &mut name_buf);
                let gt = memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |p| lt + p + 1);
                if n > 0 {
                    let name = &name_buf[..n];
                    self.end_tag(name);
                }
                i = gt;
            } else if next.is_ascii_alphabetic() {
                let n = read_name(bytes, lt + 1, &mut name_buf);
                let name = &name_buf[..n];
                let name_s = std::str::from_utf8(name).unwrap_or("");
                let tag = Tag::from_name(name_s);
                let attr_start = self.attrs.len();
                let gt = self.read_attrs(bytes, lt + 1 + n);
                i = gt;
                let idx = self.start_tag(tag, name, attr_start);
                // Raw text content: only <title> keeps it.
                if matches!(
                    name,
                    b"title" | b"iframe" | b"xmp" | b"noembed" | b"noframes" | b"textarea"
                ) {
                    let (content_end, after) = find_end_tag(bytes, gt, name);
                    if tag == Tag::Title && content_end > gt {
                        self.add_text(gt, content_end);
                    }
                    if idx != NONE && self.stack.last() == Some(&idx) {
                        self.pop();
                    }
                    i = after;
                }
            } else if next == b'!' || next == b'?' {
                i = memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |p| lt + p + 1);
            } else {
                self.add_text(lt, lt + 1);
                i = lt + 1;
            }
        }
    }

    fn top(&self) -> usize {
        *self.stack.last().unwrap_or(&0) as usize
    }

    fn pop(&mut self) {
        if self.stack.len() > 1
            && let Some(i) = self.stack.pop()
        {
            self.nodes[i as usize].end = self.nodes.len() as u32;
            let t = self.nodes[i as usize].tag as usize;
            self.open[t] = self.open[t].saturating_sub(1);
        }
        self.last_text = NONE;
    }

    fn pop_through(&mut self, depth: usize) {
        while self.stack.len() > depth {
            self.pop();
        }
    }

    /// Position in the stack of the nearest open element matching `want`,
    /// searching down until an element for which `stop` holds.
    fn find_open(&self, want: impl Fn(Tag) -> bool, stop: impl Fn(Tag) -> bool) -> Option<usize> {
        for d in (1..self.stack.len()).rev() {
            let t = self.nodes[self.stack[d] as usize].tag;
            if want(t) {
                return Some(d);
            }
            if stop(t) {
                return None;
            }
        }
        None
    }

    fn is_open(&self, t: Tag) -> bool {
        self.open[t as usize] > 0
    }

    fn close_implied(&mut self, tag: Tag) {
        use Tag::*;
        let relevant = match tag {
            Li => self.is_open(Li),
            Dt | Dd => self.is_open(Dt) || self.is_open(Dd),
            Td | Th => self.is_open(Td) || self.is_open(Th),
            Tr => self.is_open(Tr),
            Tbody | Thead | Tfoot => {
                self.is_open(Tr)
                    || self.is_open(Tbody)
                    || self.is_open(Thead)
                    || self.is_open(Tfoot)
            }
            A => self.is_open(A),
            _ => true,
        };
        if closes_p(tag)
            && self.is_open(P)
            && let Some(d) = self.find_open(
                |t| t == P,
                |t| matches!(t, Td | Th | Table | Caption | Html | Button),
            )
        {
            self.pop_through(d);
        }
        if !relevant {
            return;
        }
        match tag {
            Li => {
                if let Some(d) = self.find_open(
                    |t| t == Li,
                    |t| {
                        !matches!(
                            t,
                            P | Div | Address | Span | A | B | I | Em | Strong | Font | Small
                        )
                    },
                ) {
                    self.pop_through(d);
                }
            }
            Dt | Dd => {
                if let Some(d) = self.find_open(
                    |t| matches!(t, Dt | Dd),
                    |t| {
                        !matches!(
                            t,
                            P | Div | Address | Span | A | B | I | Em | Strong | Font | Small
                        )
                    },
                ) {
                    self.pop_through(d);
                }
            }
            Td | Th => {
                if let Some(d) =
                    self.find_open(|t| matches!(t, Td | Th), |t| matches!(t, Tr | Table))
                {
                    self.pop_through(d);
                }
            }
            Tr => {
                if let Some(d) =
                    self.find_open(|t| t == Tr, |t| matches!(t, Table | Tbody | Thead | Tfoot))
                {
                    self.pop_through(d);
                }
            }
            Tbody | Thead | Tfoot => {
                if let Some(d) = self
                    .find_open(|t| matches!(t, Tbody | Thead | Tfoot), |t| t == Table)
                    .or_else(|| self.find_open(|t| t == Tr, |t| t == Table))
                {
                    self.pop_through(d);
                }
            }
            Option if self.nodes[self.top()].tag == Option => {
                self.pop();
            }
            H1 | H2 | H3 | H4 | H5 | H6 if self.nodes[self.top()].tag.is_heading() => {
                self.pop();
            }
            A => {
                if let Some(d) = self.find_open(|t| t == A, |t| matches!(t, Td | Th | Table | Html))
                {
                    self.pop_through(d);
                }
            }
            _ => {}
        }
    }

    fn start_tag(&mut self, tag: Tag, name: &[u8], attr_start: usize) -> u32 {
        // Table parts outside a table are ignored, as browsers do; kept, they
        // would act as scope boundaries that nothing else respects.
        let stray_table_part = matches!(
            tag,
            Tag::Td | Tag::Th | Tag::Tr | Tag::Tbody | Tag::Thead | Tag::Tfoot | Tag::Caption
        ) && !self.is_open(Tag::Table);
        if stray_table_part
            || (matches!(tag, Tag::Html | Tag::Body | Tag::Head)
                && self.nodes.iter().take(64).any(|n| n.tag == tag))
        {
            self.attrs.truncate(attr_start);
            return NONE;
        }
        // Anything but head matter ends an unclosed <head>.
        if self.is_open(Tag::Head)
            && !matches!(tag, Tag::Meta | Tag::Link | Tag::Title)
            && !matches!(name, b"base")
            && let Some(d) = self.find_open(|t| t == Tag::Head, |_| false)
        {
            self.pop_through(d);
        }
        self.close_implied(tag);
        let idx = self.nodes.len() as u32;
        let parent = self.top() as u32;
        let attrs = &self.attrs[attr_start..];
        let flags = self.classifier.flags(tag, attrs, &self.attr_text);
        self.nodes.push(Node {
            parent,
            end: idx + 1,
            tag,
            flags,
            text: (0, 0),
            attrs: (attr_start as u32, self.attrs.len() as u32),
        });
        self.names.push(name_hash(name));
        self.last_text = NONE;
        if !is_void(tag, name) && self.stack.len() < MAX_STACK {
            self.stack.push(idx);
            self.open[tag as usize] += 1;
        }
        idx
    }

    fn end_tag(&mut self, name: &[u8]) {
        let tag = Tag::from_name(std::str::from_utf8(name).unwrap_or(""));
        match tag {
            Tag::Br => {
                let a = self.attrs.len();
                self.start_tag(Tag::Br, b"br", a);
                return;
            }
            Tag::Html | Tag::Body => return,
            _ => {}
        }
        let h = name_hash(name);
        // Block end tags close through inline elements left open; inline
        // end tags never close a block (mis-nested formatting is common).
        let block = tag.is_block() && tag != Tag::Other;
        for d in (1..self.stack.len()).rev() {
            let idx = self.stack[d] as usize;
            if self.names[idx] == h {
                self.pop_through(d);
                return;
            }
            let t = self.nodes[idx].tag;
            if !block && t.is_block() {
                return;
            }
            if block && matches!(t, Tag::Table) && tag != Tag::Table {
                return;
            }
        }
    }

    fn add_text(&mut self, from: usize, to: usize) {
        let raw = &self.src[from..to];
        let start = self.text.len();
        let all_ws = raw.bytes().all(|b| b.is_ascii_whitespace());
        if all_ws {
            // Whitespace between tags only matters as a word separator.
            if self.last_text != NONE {
                if !self.text.ends_with(' ') {
                    self.text.push(' ');
                    self.nodes[self.last_text as usize].text.1 = self.text.len() as u32;
                }
                return;
            }
            self.text.push(' ');
        } else if memchr(b'&', raw.as_bytes()).is_some() {
            decode_entities(raw, &mut self.text);
        } else {
            self.text.push_str(raw);
        }
        if self.last_text != NONE && self.nodes[self.last_text as usize].text.1 as usize == start {
            self.nodes[self.last_text as usize].text.1 = self.text.len() as u32;
            return;
        }
        let idx = self.nodes.len() as u32;
        let parent = self.top() as u32;
        self.nodes.push(Node {
            parent,
            end: idx + 1,
            tag: Tag::Text,
            flags: 0,
            text: (start as u32, self.text.len() as u32),
            attrs: (0, 0),
        });
        self.names.push(0);
        self.last_text = idx;
    }

    /// Reads attributes up to the closing `>`; returns the index after it.
    fn read_attrs(&mut self, b: &[u8], mut j: usize) -> usize {
        loop {
            while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() {
                return b.len();
            }
            if b[j] == b'>' {
                return j + 1;
            }
            let ns = j;
            while j < b.len()
                && !b[j].is_ascii_whitespace()
                && !matches!(b[j], b'=' | b'>')
                && (b[j] != b'/' || b.get(j + 1) != Some(&b'>'))
            {
                j += 1;
            }
            let name = &b[ns..j];
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = (0, 0);
            if j < b.len() && b[j] == b'=' {
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let vs = j + 1;
                    let ve = memchr(q, &b[vs..]).map_or(b.len(), |p| vs + p);
                    value = (vs, ve);
                    j = (ve + 1).min(b.len());
                } else {
                    let vs = j;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    value = (vs, j);
                }
            }
            if name.is_empty() {
                j += 1;
                continue;
            }
            if let Some(keep) = kept_name(name) {
                let raw = &self.src[value.0..value.1];
                let start = self.attr_text.len() as u32;
                if raw.contains('&') {
                    decode_entities(raw, &mut self.attr_text);
                } else {
                    self.attr_text.push_str(raw);
                }
                // Duplicates are kept; lookups take the first, as browsers do.
                self.attrs.push(Attr {
                    name: keep,
                    value: (start, self.attr_text.len() as u32),
                });
            }
        }
    }
}

fn read_name(b: &[u8], at: usize, buf: &mut [u8; 32]) -> usize {
    let mut n = 0;
    let mut j = at;
    while j < b.len() {
        let c = b[j];
        if c.is_ascii_whitespace() || c == b'/' || c == b'>' {
            break;
        }
        if n < buf.len() {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
        j += 1;
    }
    n
}

fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> (usize, usize) {
    let mut j = from;
    while let Some(off) = memchr(b'<', &b[j..]) {
        let p = j + off;
        if b.get(p + 1) == Some(&b'/') {
            let s = p + 2;
            if s + name.len() <= b.len() && b[s..s + name.len()].eq_ignore_ascii_case(name) {
                let after = memchr(b'>', &b[s..]).map_or(b.len(), |q| s + q + 1);
                return (p, after);
            }
        }
        j = p + 1;
    }
    (b.len(), b.len())
}

/// The characters a terminated named reference (`&name;`) stands for: one,
/// or two for the few HTML5 names that combine (`&NotEqualTilde;`).
pub fn named_reference(name: &str) -> Option<(char, Option<char>)> {
    let key = format!("{name};");
    let &(c1, c2) = markup5ever::data::NAMED_ENTITIES
        .get(key.as_str())
        .filter(|&&(c1, _)| c1 != 0)?;
    Some((
        char::from_u32(c1)?,
        char::from_u32(c2).filter(|&c| c != '\0'),
    ))
}

/// Appends `raw` with character references decoded, per the HTML rules that
/// matter in practice: numeric references (with the Windows-1252 C1 fix-up)
/// and the named entity table html5ever uses.
pub fn decode_entities(raw: &str, out: &mut String) {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr(b'&', &b[i..]) {
        let amp = i + off;
        out.push_str(&raw[i..amp]);
        i = amp + 1;
        if b.get(amp + 1) == Some(&b'#') {
            let (hex, start) = match b.get(amp + 2) {
                Some(b'x' | b'X') => (true, amp + 3),
                _ => (false, amp + 2),
            };
            let mut j = start;
            let mut v: u32 = 0;
            while j < b.len() && j - start < 8 {
                let d = match (hex, b[j]) {
                    (_, c @ b'0'..=b'9') => (c - b'0') as u32,
                    (true, c @ b'a'..=b'f') => (c - b'a' + 10) as u32,
                    (true, c @ b'A'..=b'F') => (c - b'A' + 10) as u32,
                    _ => break,
                };
                v = v * if hex { 16 } else { 10 } + d;
                j += 1;
            }
            if j == start {
                out.push('&');
                continue;
            }
            if b.get(j) == Some(&b';') {
                j += 1;
            }
            let c = if (0x80..0xA0).contains(&v) {
                markup5ever::data::C1_REPLACEMENTS[(v - 0x80) as usize].unwrap_or('\u{FFFD}')
            } else {
                char::from_u32(v)
                    .filter(|&c| c != '\0')
                    .unwrap_or('\u{FFFD}')
            };
            out.push(c);
            i = j;
            continue;
        }
        // Named: the longest name up to ';' within 32 bytes.
        let mut j = amp + 1;
        while j < b.len() && j - amp <= 32 && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j > amp + 1 {
            let with_semi = b.get(j) == Some(&b';');
            let key_end = if with_semi { j + 1 } else { j };
            // The table also holds every prefix of a name ("A" of "AMP;") as (0, 0),
            // for the tokenizer's longest-match search: those are not references.
            if let Some(&(c1, c2)) = markup5ever::data::NAMED_ENTITIES
                .get(&raw[amp + 1..key_end])
                .filter(|&&(c1, _)| c1 != 0)
            {
                if let Some(c) = char::from_u32(c1) {
                    out.push(c);
                }
                if c2 != 0
                    && let Some(c) = char::from_u32(c2)
                {
                    out.push(c);
                }
                i = key_end;
                continue;
            }
        }
        out.push('&');
    }
    out.push_str(&raw[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(html: &str) -> String {
        let d = build(html);
        let mut s = String::new();
        let mut ends: Vec<u32> = Vec::new();
        for (i, n) in d.nodes.iter().enumerate().skip(1) {
            while ends.last().is_some_and(|&e| e as usize <= i) {
                ends.pop();
                s.push(')');
            }
            if n.tag == Tag::Text {
                s.push_str(d.text_of(i));
            } else {
                s.push_str(&format!("{:?}(", n.tag).to_lowercase());
                ends.push(n.end);
            }
        }
        for _ in ends {
            s.push(')');
        }
        s
    }

    #[test]
    fn paragraphs_and_list_items_close_implicitly() {
        assert_eq!(shape("<p>a<p>b<div>c</div>"), "p(a)p(b)div(c)");
        assert_eq!(shape("<ul><li>a<li>b</ul>"), "ul(li(a)li(b))");
        assert_eq!(
            shape("<table><tr><td>a<td>b<tr><td>c</table>"),
            "table(tr(td(a)td(b))tr(td(c)))"
        );
    }

    #[test]
    fn inline_end_tags_do_not_close_blocks() {
        assert_eq!(shape("<div><b>x</div>y</b>"), "div(b(x))y");
        assert_eq!(shape("<div><span>x</div>"), "div(span(x))");
    }

    #[test]
    fn table_parts_outside_a_table_are_ignored() {
        assert_eq!(shape("<p>a<td>b<li>c"), "p(ab)li(c)");
    }

    #[test]
    fn void_and_br() {
        assert_eq!(
            shape("<p>a<br>b<img src=x>c</br></p>"),
            "p(abr()bimg()cbr())"
        );
    }

    #[test]
    fn entities_decode() {
        let mut s = String::new();
        decode_entities(
            "a&amp;b &lt;&#233;&#x41;&#150;&nbsp;&copy &bogus; &",
            &mut s,
        );
        assert_eq!(s, "a&b <éA–\u{a0}© &bogus; &");
        // A prefix of an entity name is text, not a NUL: "Q&A", "AT&T".
        let mut s = String::new();
        decode_entities("Q&A session, AT&T; &Aacute &Aacute;", &mut s);
        assert_eq!(s, "Q&A session, AT&T; Á Á");
    }

    #[test]
    fn attributes_are_parsed_and_decoded() {
        let d = build("<a HREF='/x?a=1&amp;b=2' class=k data-junk=\"v>\">t</a>");
        assert_eq!(d.attr(1, "href"), Some("/x?a=1&b=2"));
        assert_eq!(d.attr(1, "class"), Some("k"));
        assert_eq!(d.text_of(2), "t");
    }

    #[test]
    fn title_is_raw_text() {
        assert_eq!(shape("<title>a <b> c</title><p>x"), "title(a <b> c)p(x)");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "<div>".repeat(100_000) + "x";
        let d = build(&s);
        assert!(d.nodes.len() > 100_000);
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn unclosed_head_ends_at_body_content() {
        let d = build("<html><head><meta name=a content=b><title>t</title><body><p>x");
        let p = d.nodes.iter().position(|n| n.tag == Tag::P).unwrap();
        let parent = d.nodes[p].parent as usize;
        assert_eq!(d.nodes[parent].tag, Tag::Body);
        assert_ne!(d.nodes[d.nodes[parent].parent as usize].tag, Tag::Head);
    }
}
