//! XML for feeds and sitemaps. Titles and summaries come from outlets and can
//! hold anything: characters XML 1.0 cannot carry at all are dropped here, and
//! quick-xml's writer escapes the rest, in text and in attribute values.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;
use std::io;

/// `s` without the characters a feed must not carry.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(keep) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| keep(*c)).collect())
    }
}

/// XML 1.0 forbids C0 controls but tab, newline and carriage return, and
/// U+FFFE/U+FFFF; it allows C1 controls and carriage return, but feed readers
/// show the first as boxes and fold the second into newlines, so those go too.
/// Dropping U+001E/U+001F also keeps text clear of the page cache's count
/// markers (`page_cache::count_hole`), which feeds are cached through.
fn keep(c: char) -> bool {
    (c == '\t' || c == '\n' || !c.is_control()) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// An XML document written start to end, UTF-8, one element per line.
pub struct XmlDoc {
    w: Writer<Vec<u8>>,
}

impl XmlDoc {
    pub fn new() -> io::Result<Self> {
        let mut w = Writer::new_with_indent(Vec::with_capacity(16 * 1024), b' ', 1);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { w })
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.w.write_event(Event::Start(start(name, attrs)))
    }

    pub fn close(&mut self, name: &str) -> io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    /// An element holding only text.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.open(name, attrs)?;
        self.w
            .write_event(Event::Text(BytesText::new(&clean(text))))?;
        self.close(name)
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.w.write_event(Event::Empty(start(name, attrs)))
    }

    pub fn finish(self) -> String {
        // Only &str went in, so the bytes are UTF-8.
        String::from_utf8(self.w.into_inner())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> BytesStart<'a> {
    let mut s = BytesStart::new(name);
    for (k, v) in attrs {
        s.push_attribute((*k, clean(v)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_cleaned() {
        let mut d = XmlDoc::new().unwrap();
        d.open("a", &[("href", "x?a=1&b=\"2\"<'3'>\u{1}")]).unwrap();
        d.leaf(
            "t",
            &[],
            "Tom & Jerry <b>\"hi\"</b> ]]> \u{0}\u{b}\u{1e}1\u{1f}\u{fffe}ok\r\n",
        )
        .unwrap();
        d.close("a").unwrap();
        let out = d.finish();
        assert!(
            out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{out}"
        );
        assert!(
            out.contains("href=\"x?a=1&amp;b=&quot;2&quot;&lt;&apos;3&apos;&gt;\""),
            "{out}"
        );
        assert!(
            out.contains("<t>Tom &amp; Jerry &lt;b&gt;&quot;hi&quot;&lt;/b&gt; ]]&gt; 1ok\n</t>"),
            "{out}"
        );
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    }

    #[test]
    fn clean_borrows_when_nothing_goes() {
        assert!(matches!(clean("plain – text"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{7}b\u{85}c\u{ffff}d\te"), "abcd\te");
    }
}
