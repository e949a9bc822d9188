//! Known boilerplate: what the tag, class, id, role and inline style of an
//! element say about it before any text is counted.

use crate::class_words;
use crate::dom::Attr;
use crate::dom::Tag;
use std::collections::HashMap;

/// Not rendered: `hidden`, `aria-hidden`, `display:none`.
pub const HIDDEN: u16 = 1;
/// Class, id or role names a page part that is not the article.
pub const JUNK: u16 = 2;
/// Class or id hints at content.
pub const POSITIVE: u16 = 4;
/// Marked up as the article body (`itemprop=articleBody`, `article-body`).
pub const BODY: u16 = 8;
/// A tag that usually holds page furniture (nav, aside, footer, form...).
pub const JUNK_TAG: u16 = 16;
/// Never text: controls, embedded media, head matter.
pub const DROP: u16 = 32;
/// Lists of links to other stories, bylines: tested again with text
/// statistics before removal.
pub const WEAK_JUNK: u16 = 64;
/// Pictures and their captions and credits: removed unless long.
pub const CAPTION: u16 = 128;
/// Junk whose name leaves no doubt (comments, related stories, ad widgets):
/// removed even when it holds more text than the article.
pub const STRONG_JUNK: u16 = 256;
/// The junk, byline or caption verdict came from the `id` alone; the class
/// says nothing against the element. Such an id may be an anchor made from
/// the section's heading ("following-the-money"), see `id_is_heading_anchor`.
pub const BY_ID: u16 = 512;
/// Verdicts that take an element out.
const NEGATIVE: u16 = JUNK | STRONG_JUNK | WEAK_JUNK | CAPTION;

/// The key is already a hash; hashing it again would be wasted work.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

/// A set of precomputed 64-bit hashes.
pub type HashSet64 = std::collections::HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>>;

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Classes repeat heavily within a page, so verdicts are cached by a hash
/// of the class and id strings (a collision costs one wrong verdict, never
/// safety).
#[derive(Default)]
pub struct Classifier {
    cache: HashMap<u64, u16, std::hash::BuildHasherDefault<IdentityHasher>>,
}

fn fnv(mut h: u64, s: &str) -> u64 {
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Classifier {
    pub fn flags(&mut self, tag: Tag, attrs: &[Attr], values: &str) -> u16 {
        let mut f = match tag {
            Tag::Nav
            | Tag::Aside
            | Tag::Footer
            | Tag::Header
            | Tag::Form
            | Tag::Menu
            | Tag::Dialog
            | Tag::Address => JUNK_TAG,
            Tag::Head
            | Tag::Title
            | Tag::Meta
            | Tag::Link
            | Tag::Button
            | Tag::Input
            | Tag::Option
            | Tag::Iframe
            | Tag::Video
            | Tag::Source
            | Tag::Embed
            | Tag::Img
            | Tag::Picture
            | Tag::Label
            | Tag::Fieldset
            | Tag::Legend => DROP,
            // Captions describe pictures, not the story.
            Tag::Figcaption | Tag::Figure => CAPTION,
            _ => 0,
        };
        let mut class: &str = "";
        let mut id: &str = "";
        for a in attrs {
            let (name, value) = (a.name, &values[a.value.0 as usize..a.value.1 as usize]);
            match name {
                "class" => class = value,
                // A heading's id is an anchor made from its own words
                // ("following-the-money", "key-dates"), not a page part.
                "id" if !tag.is_heading() => id = value,
                "hidden" => f |= HIDDEN,
                "aria-hidden" if value.eq_ignore_ascii_case("true") => f |= HIDDEN,
                // Most styles hide nothing; only normalise those that might.
                "style"
                    if value.contains("none")
                        || value.contains("hidden")
                        || value.contains("NONE") =>
                {
                    let v = value.to_ascii_lowercase();
                    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                    if v.contains("display:none") || v.contains("visibility:hidden") {
                        f |= HIDDEN;
                    }
                }
                "itemprop" if value.eq_ignore_ascii_case("articlebody") => f |= BODY,
                "role" => match value {
                    "navigation" | "complementary" | "contentinfo" | "banner" | "dialog"
                    | "alertdialog" | "menu" | "menubar" | "search" | "alert" => f |= JUNK,
                    "main" | "article" => f |= POSITIVE,
                    _ => {}
                },
                _ => {}
            }
        }
        if !class.is_empty() || !id.is_empty() {
            f |= self.class_flags(class, id);
        }
        f
    }

    fn class_flags(&mut self, class: &str, id: &str) -> u16 {
        let key = fnv(fnv(0xcbf2_9ce4_8422_2325, class) ^ 0xff, id);
        if let Some(&f) = self.cache.get(&key) {
            return f;
        }
        let mut lower = String::with_capacity(class.len() + id.len() + 1);
        lower.push_str(class);
        lower.push(' ');
        lower.push_str(id);
        lower.make_ascii_lowercase();
        let mut f = classify(lower.trim());
        if f & NEGATIVE != 0
            && !id.is_empty()
            && classify(lower[..class.len()].trim()) & NEGATIVE == 0
        {
            f |= BY_ID;
        }
        self.cache.insert(key, f);
        f
    }
}

/// Whether element `i`'s id is the anchor of its first heading, or of its
/// own words when it holds no heading (`<span id="Social_history">` inside
/// an `<h2>`): the words joined by `-` or `_` ("the-social-cost" for "The
/// social cost"), possibly after a prefix ("h-", "section-").
pub fn id_is_heading_anchor(dom: &crate::dom::Dom, i: usize) -> bool {
    let Some(id) = dom.attr(i, "id") else {
        return false;
    };
    let end = dom.nodes[i].end as usize;
    let h = (i..end)
        .find(|&j| dom.nodes[j].tag.is_heading())
        .unwrap_or(i);
    let mut slug = String::new();
    for j in h + 1..dom.nodes[h].end as usize {
        // Longer than the id, it can no longer match: a big container's
        // text is not read to the end.
        if slug.len() > id.len() + 1 {
            return false;
        }
        if dom.nodes[j].tag == Tag::Text {
            for w in dom.text_of(j).split(|c: char| !c.is_alphanumeric()) {
                if !w.is_empty() {
                    slug.push_str(&w.to_lowercase());
                    slug.push('-');
                }
            }
        }
    }
    let slug = slug.trim_end_matches('-');
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.len() >= 4
        && id
            .strip_suffix(slug)
            .is_some_and(|pre| pre.is_empty() || pre.ends_with('-'))
}

/// Flags for a lower-cased `class id` string.
pub fn classify(lower: &str) -> u16 {
    // Embedded posts quoted by the story (tweets, Instagram) are part of it,
    // even inside a "social-media-embed" wrapper.
    if lower.contains("embed") || lower.contains("tweet") || lower.contains("instagram-media") {
        return 0;
    }
    let found = class_words::found(lower);
    let has = |set| found & set != 0;
    if has(class_words::BODY) {
        BODY | POSITIVE
    } else if has(class_words::JUNK) {
        if has(class_words::STRONG_JUNK) {
            JUNK | STRONG_JUNK
        } else {
            JUNK
        }
    } else if has(class_words::CAPTION) {
        CAPTION
    } else if has(class_words::WEAK_JUNK) {
        WEAK_JUNK
    } else if has(class_words::POSITIVE) {
        POSITIVE
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_beats_junk_words() {
        assert_eq!(classify("article-body js-share"), BODY | POSITIVE);
        assert_eq!(classify("entry-content"), BODY | POSITIVE);
    }

    #[test]
    fn furniture_is_junk() {
        for c in [
            "comments",
            "share-bar",
            "related-articles",
            "newsletter-signup",
            "cookie-banner",
            "sidebar",
            "main-nav",
            "ad",
        ] {
            assert_eq!(classify(c) & JUNK, JUNK, "{c}");
        }
        assert_eq!(classify("comments"), JUNK | STRONG_JUNK);
        assert_eq!(classify("sidebar"), JUNK);
    }

    #[test]
    fn bylines_are_weak_and_captions_are_captions() {
        assert_eq!(classify("byline"), WEAK_JUNK);
        assert_eq!(classify("image-caption"), CAPTION);
        assert_eq!(classify("wp-caption alignleft"), CAPTION);
    }

    #[test]
    fn a_verdict_from_the_id_alone_is_marked_and_heading_ids_are_ignored() {
        let values = "chapter following-the-money share-bar";
        let attr = |name, a: usize, b: usize| Attr {
            name,
            value: (a as u32, b as u32),
        };
        let by_id = [attr("class", 0, 7), attr("id", 8, 27)];
        let f = Classifier::default().flags(Tag::Section, &by_id, values);
        assert_eq!(f & (JUNK | BY_ID), JUNK | BY_ID);
        assert_eq!(Classifier::default().flags(Tag::H2, &by_id, values), 0);
        let by_class = [attr("class", 28, 37), attr("id", 8, 27)];
        let f = Classifier::default().flags(Tag::Div, &by_class, values);
        assert_eq!(f & (JUNK | BY_ID), JUNK);
    }

    #[test]
    fn content_is_positive_and_plain_is_plain() {
        assert_eq!(classify("content"), POSITIVE);
        assert_eq!(classify("row col-md-8"), 0);
        assert_eq!(classify("download"), 0);
    }
}
