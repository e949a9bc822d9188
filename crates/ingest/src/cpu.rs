//! CPU-bound work of ingestion (feed parsing, sanitising, extraction) runs
//! here: on tokio's blocking pool, a core's worth of jobs at a time, never on
//! the async threads that answer requests and drive every other poll. One
//! hostile item (100,000 nested `<div>`s) then costs one blocking thread for
//! a moment, not the whole process for a minute.
//!
//! Input is bounded before any parser sees it: HTML longer than
//! [`MAX_HTML_BYTES`] is cut, and HTML nested deeper than [`MAX_HTML_DEPTH`]
//! is not parsed as HTML at all (its text is kept, as paragraphs): tree
//! builders do work per open element for every tag, so deep nesting costs
//! the square of its depth.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Longer article HTML is cut (at a character boundary) before parsing.
pub const MAX_HTML_BYTES: usize = 512 * 1024;
/// Deeper HTML is reduced to its text. Real articles stay far below.
pub const MAX_HTML_DEPTH: usize = 256;

static SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs `job` on the blocking pool, a core's worth at a time, so a burst
/// queues rather than piling up parsed documents in memory. `None` if the
/// job panicked.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _slot = SLOTS.acquire().await.ok()?;
    tokio::task::spawn_blocking(job).await.ok()
}

/// Jobs over at most this many bytes of input run where they are asked
/// for: a feed's teaser sanitises in microseconds, less than the hand-off
/// to the blocking pool and the wait for a slot behind page extractions.
pub const INLINE_BYTES: usize = 4 * 1024;

/// [`run`], except that a job over at most [`INLINE_BYTES`] of input runs
/// on the calling thread. `None` if the job panicked.
pub async fn run_sized<T: Send + 'static>(
    input_bytes: usize,
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    if input_bytes <= INLINE_BYTES {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).ok();
    }
    run(job).await
}

/// HTML a parser may take: cut to [`MAX_HTML_BYTES`], and `None` when it
/// nests deeper than [`MAX_HTML_DEPTH`] (the caller keeps its text instead).
pub fn bounded_html(html: &str) -> Option<Cow<'_, str>> {
    let html = if html.len() > MAX_HTML_BYTES {
        let mut end = MAX_HTML_BYTES;
        while !html.is_char_boundary(end) {
            end -= 1;
        }
        Cow::Owned(html[..end].to_string())
    } else {
        Cow::Borrowed(html)
    };
    (nesting_depth(&html, MAX_HTML_DEPTH) <= MAX_HTML_DEPTH).then_some(html)
}

/// `html` sanitised for storage, within the limits; HTML too deep to parse
/// becomes `text` (its plain text) in one paragraph. The web layer runs it
/// again over stored bodies (rows written by an older version, copied from
/// another database or by hand are bound by it too). Blocking: call it in
/// [`run`].
pub fn sanitize(html: &str, base_url: Option<&str>, text: &str) -> String {
    within_limits(html, text, |h| newsroom_extract::sanitize_html(h, base_url))
}

/// [`sanitize`] for the extractor's own HTML (`newsroom_extract::extract`):
/// the allow-list alone, one parse instead of two. The extractor writes
/// absolute URLs, plain image sources and only allowed tags, so the
/// rewrite before the allow-list changes nothing in it (the dev-set test
/// `extracted_html_is_a_fixed_point_of_the_sanitiser` holds both to it), and
/// the allow-list, the security boundary, still has the last word.
/// Blocking: call it in [`run`].
pub fn sanitize_extracted(html: &str, text: &str) -> String {
    within_limits(html, text, newsroom_extract::sanitize::clean)
}

fn within_limits(html: &str, text: &str, clean: impl FnOnce(&str) -> String) -> String {
    if html.is_empty() {
        return String::new();
    }
    match bounded_html(html) {
        Some(h) => clean(&h),
        None => {
            tracing::debug!("HTML nested too deep; kept as text");
            let mut out = String::with_capacity(text.len() + 7);
            out.push_str("<p>");
            for c in text.chars() {
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    c => out.push(c),
                }
            }
            out.push_str("</p>");
            out
        }
    }
}

/// Whether a fetched page is shallow enough to extract from.
pub fn page_is_parsable(body: &[u8]) -> bool {
    // On the bytes: tags are ASCII in any encoding a page comes in, and a
    // UTF-8 check (or a lossy copy of a page in another charset) is a pass
    // over the page for nothing.
    depth_of(body, MAX_HTML_DEPTH) <= MAX_HTML_DEPTH
}

/// How deep the tags of `html` nest, counted in one pass without parsing,
/// stopping once past `stop`. Void elements and those whose end tag may be
/// left out (`p`, `li`...) do not count: they do not nest in practice, and
/// sloppy markup must not look deep.
pub fn nesting_depth(html: &str, stop: usize) -> usize {
    depth_of(html.as_bytes(), stop)
}

fn depth_of(b: &[u8], stop: usize) -> usize {
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, i, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if len == 0 || !b[start].is_ascii_alphabetic() {
            continue;
        }
        // Lower-cased on the stack: this runs for every tag of every page.
        // Longer names are none of the ones looked for below.
        let mut buf = [0u8; 10];
        let name = match b.get(start..start + len).filter(|n| n.len() <= buf.len()) {
            Some(n) => {
                buf[..len].copy_from_slice(n);
                buf[..len].make_ascii_lowercase();
                std::str::from_utf8(&buf[..len]).unwrap_or("")
            }
            None => "",
        };
        let end = memchr::memchr(b'>', &b[start..]).map_or(b.len(), |e| start + e);
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        i = end;
        if does_not_nest(name) || self_closing {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
            if max > stop {
                return max;
            }
        }
        // The text of these is no markup, however it looks.
        if !closing && matches!(name, "script" | "style" | "textarea" | "title") {
            i = end_tag(b, i, name.as_bytes()).unwrap_or(b.len());
        }
    }
    max
}

fn does_not_nest(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "option"
            | "rb"
            | "rt"
            | "rp"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
    )
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&hay[from..], needle).map(|p| from + p)
}

/// Where `</name` (any case) starts at or after `from`. Scripts are most of
/// a page's bytes, so this jumps from `<` to `<` rather than comparing a
/// window at every byte.
fn end_tag(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(off) = memchr::memchr(b'<', &hay[at..]) {
        let lt = at + off;
        let rest = &hay[lt + 1..];
        if rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name)
        {
            return Some(lt);
        }
        at = lt + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_of_ordinary_markup() {
        assert_eq!(nesting_depth("plain text", 10), 0);
        assert_eq!(nesting_depth("<p>a<p>b<p>c", 10), 0, "p does not nest");
        assert_eq!(
            nesting_depth("<div><section><b>x</b></section></div><div></div>", 10),
            3
        );
        assert_eq!(nesting_depth("<div><br><img src=x><hr/></div>", 10), 1);
        assert_eq!(
            nesting_depth("<DIV><BR><IMG SRC=x></DIV>", 10),
            1,
            "any case"
        );
        assert_eq!(
            nesting_depth("<SCRIPT>'<div><div><div>'</SCRIPT><i>x</i>", 10),
            1
        );
        assert_eq!(
            nesting_depth("<customelementname><b>x</b></customelementname>", 10),
            2,
            "long names nest like any other"
        );
        assert_eq!(
            nesting_depth("<!-- <div><div><div> --><span>x</span>", 10),
            1,
            "comments are not markup"
        );
        assert_eq!(
            nesting_depth("<script>if (a<b) { '<div><div>' }</script><i>x</i>", 10),
            1,
            "script text is not markup"
        );
        assert_eq!(
            nesting_depth("<style>b{}</Style<div></style><b><i>x</i></b>", 10),
            2,
            "the end tag in any case, also at the text's last bytes"
        );
        assert_eq!(nesting_depth("<div><script>x</scrip", 10), 2);
        assert_eq!(
            nesting_depth("a < b and 1<2", 10),
            0,
            "no tag starts with a digit or space"
        );
    }

    #[test]
    fn deep_nesting_is_refused_and_counting_stops_early() {
        let deep = "<div>".repeat(100_000);
        assert_eq!(nesting_depth(&deep, MAX_HTML_DEPTH), MAX_HTML_DEPTH + 1);
        assert!(bounded_html(&deep).is_none());
        let fine = format!("{}x{}", "<div>".repeat(50), "</div>".repeat(50));
        assert_eq!(bounded_html(&fine).as_deref(), Some(fine.as_str()));
        // Closed siblings never add up.
        let wide = "<div><span>x</span></div>".repeat(100_000);
        assert_eq!(nesting_depth(&wide, MAX_HTML_DEPTH), 2);
    }

    #[test]
    fn long_html_is_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_HTML_BYTES);
        let cut = bounded_html(&long).unwrap();
        assert!(cut.len() <= MAX_HTML_BYTES && cut.len() > MAX_HTML_BYTES - 4);
    }

    #[test]
    fn too_deep_html_keeps_its_text_escaped() {
        let deep = format!("{}a < b & c{}", "<div>".repeat(1000), "</div>".repeat(1000));
        assert_eq!(
            sanitize(&deep, None, "a < b & c"),
            "<p>a &lt; b &amp; c</p>"
        );
        assert!(!page_is_parsable(deep.as_bytes()));
        let fine = "<p>Hello <b>world</b><script>x()</script></p>";
        assert_eq!(
            sanitize(fine, None, "Hello world"),
            newsroom_extract::sanitize_html(fine, None)
        );
        assert!(page_is_parsable(fine.as_bytes()));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn jobs_run_off_the_async_thread() {
        let here = std::thread::current().id();
        let there = run(move || std::thread::current().id()).await.unwrap();
        assert_ne!(here, there);
        assert_eq!(run(|| panic!("boom")).await.map(|()| ()), None);
        let id = move || std::thread::current().id();
        assert_eq!(run_sized(INLINE_BYTES, id).await, Some(here), "small: here");
        assert_ne!(
            run_sized(INLINE_BYTES + 1, id).await,
            Some(here),
            "large: there"
        );
        for size in [0, INLINE_BYTES + 1] {
            assert_eq!(run_sized::<()>(size, || panic!("boom")).await, None);
        }
    }
}
