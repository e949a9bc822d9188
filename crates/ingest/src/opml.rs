//! OPML import and export. Feeds nested under a folder outline belong to that folder's
//! category, which newsroom maps to a section; export writes them back the same way, so a
//! file survives the round trip with titles, feed and site URLs and categories.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    pub title: String,
    pub xml_url: String,
    pub html_url: Option<String>,
    /// The folder (or `category` attribute) the feed sits in: newsroom's section.
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Opml {
    pub title: Option<String>,
    pub feeds: Vec<OpmlFeed>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("not an OPML file: {0}")]
    Invalid(String),
    #[error("OPML with a DOCTYPE entity declaration refused")]
    Entities,
}

/// Parse OPML bytes (any charset).
pub fn parse_opml(bytes: &[u8]) -> Result<Opml, OpmlError> {
    let text = crate::charset::decode(bytes, None);
    if text.contains("<!ENTITY") {
        return Err(OpmlError::Entities);
    }
    let text = crate::feed::fix_xml_entities(&text);
    let mut reader = Reader::from_str(&text);
    let mut opml = Opml::default();
    // The folder outlines we are inside; `None` for feeds that have children (rare).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut in_title = false;
    let mut title = String::new();
    let mut saw_root = false;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| OpmlError::Invalid(e.to_string()))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "opml" => {
                saw_root = true;
                let _ = e;
            }
            Event::Start(e) if e.name().as_ref() == "title" => {
                in_title = true;
                let _ = e;
            }
            Event::Text(t) if in_title => title.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
            // References arrive as their own events; text_of decodes them at the end.
            Event::GeneralRef(r) if in_title => {
                title.push('&');
                title.push_str(&r.xml_content(XmlVersion::Implicit1_0));
                title.push(';');
            }
            Event::End(e) if e.name().as_ref() == "title" => {
                in_title = false;
                opml.title = Some(crate::feed::text_of(&title));
            }
            Event::Start(e) if e.name().as_ref() == "outline" => {
                let o = outline(&e)?;
                let parent = current_folder(&folders);
                match o.feed(parent) {
                    Some(f) => {
                        opml.feeds.push(f);
                        folders.push(None);
                    }
                    None => folders.push(Some(o.label())),
                }
            }
            Event::Empty(e) if e.name().as_ref() == "outline" => {
                if let Some(f) = outline(&e)?.feed(current_folder(&folders)) {
                    opml.feeds.push(f);
                }
            }
            Event::End(e) if e.name().as_ref() == "outline" => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(OpmlError::Invalid("no <opml> root".into()));
    }
    Ok(opml)
}

fn current_folder(folders: &[Option<String>]) -> Option<String> {
    folders.iter().rev().find_map(|f| f.clone())
}

#[derive(Default)]
struct Outline {
    text: Option<String>,
    title: Option<String>,
    xml_url: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
}

impl Outline {
    fn label(&self) -> String {
        self.title
            .clone()
            .or_else(|| self.text.clone())
            .unwrap_or_default()
    }

    fn feed(&self, folder: Option<String>) -> Option<OpmlFeed> {
        let xml_url = self.xml_url.clone().filter(|u| !u.trim().is_empty())?;
        // `category="/World,/Tech"`: the first path's last part.
        let attr_category = self.category.as_deref().and_then(|c| {
            c.split(',')
                .next()
                .and_then(|p| p.trim().trim_matches('/').rsplit('/').next())
                .map(str::to_string)
        });
        Some(OpmlFeed {
            title: self
                .text
                .clone()
                .or_else(|| self.title.clone())
                .unwrap_or_default(),
            xml_url: xml_url.trim().to_string(),
            html_url: self.html_url.clone().filter(|u| !u.trim().is_empty()),
            category: folder.or(attr_category).filter(|c| !c.is_empty()),
        })
    }
}

fn outline(e: &BytesStart<'_>) -> Result<Outline, OpmlError> {
    let mut o = Outline::default();
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|e| OpmlError::Invalid(e.to_string()))?;
        let v = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| OpmlError::Invalid(e.to_string()))?
            .into_owned();
        match a.key.as_ref() {
            "text" => o.text = Some(v),
            "title" => o.title = Some(v),
            "xmlUrl" | "xmlurl" | "url" => o.xml_url = Some(v),
            "htmlUrl" | "htmlurl" => o.html_url = Some(v),
            "category" => o.category = Some(v),
            _ => {}
        }
    }
    Ok(o)
}

fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Write OPML 2.0: feeds without a category at the top, the others in one folder each.
pub fn write_opml(title: &str, feeds: &[OpmlFeed]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}</title>\n  </head>\n  <body>\n",
        attr(title)
    ));
    let line = |f: &OpmlFeed, indent: &str| {
        let html = f
            .html_url
            .as_deref()
            .map(|u| format!(" htmlUrl=\"{}\"", attr(u)))
            .unwrap_or_default();
        format!(
            "{indent}<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{x}\"{html}/>\n",
            t = attr(&f.title),
            x = attr(&f.xml_url)
        )
    };
    for f in feeds.iter().filter(|f| f.category.is_none()) {
        out.push_str(&line(f, "    "));
    }
    let mut categories: Vec<&str> = Vec::new();
    for f in feeds {
        if let Some(c) = f.category.as_deref()
            && !categories.contains(&c)
        {
            categories.push(c);
        }
    }
    for c in categories {
        out.push_str(&format!(
            "    <outline text=\"{0}\" title=\"{0}\">\n",
            attr(c)
        ));
        for f in feeds.iter().filter(|f| f.category.as_deref() == Some(c)) {
            out.push_str(&line(f, "      "));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds &amp; more</title></head>
  <body>
    <outline text="Loose" xmlUrl="https://loose.example/feed" />
    <outline text="World" title="World">
      <outline type="rss" text="Daily &quot;News&quot;" title="Daily" xmlUrl="https://daily.example/rss?a=1&amp;b=2" htmlUrl="https://daily.example/"/>
      <outline text="Nested folder">
        <outline type="rss" text="Deep" xmlUrl="https://deep.example/atom.xml"/>
      </outline>
    </outline>
    <outline type="rss" text="Tagged" xmlUrl="https://tagged.example/feed" category="/Tech/Gadgets,/Other"/>
    <outline text="Nbsp&nbsp;Title" xmlUrl="https://nbsp.example/feed"/>
  </body>
</opml>"#;

    #[test]
    fn parses_folders_attributes_and_entities() {
        let o = parse_opml(SAMPLE.as_bytes()).unwrap();
        assert_eq!(o.title.as_deref(), Some("My feeds & more"));
        assert_eq!(o.feeds.len(), 5);
        assert_eq!(
            o.feeds[0],
            OpmlFeed {
                title: "Loose".into(),
                xml_url: "https://loose.example/feed".into(),
                html_url: None,
                category: None
            }
        );
        assert_eq!(o.feeds[1].title, "Daily \"News\"");
        assert_eq!(o.feeds[1].xml_url, "https://daily.example/rss?a=1&b=2");
        assert_eq!(
            o.feeds[1].html_url.as_deref(),
            Some("https://daily.example/")
        );
        assert_eq!(o.feeds[1].category.as_deref(), Some("World"));
        assert_eq!(o.feeds[2].category.as_deref(), Some("Nested folder"));
        assert_eq!(o.feeds[3].category.as_deref(), Some("Gadgets"));
        assert_eq!(o.feeds[4].title, "Nbsp\u{a0}Title");
    }

    #[test]
    fn round_trip_preserves_everything() {
        let o = parse_opml(SAMPLE.as_bytes()).unwrap();
        let written = write_opml("My feeds & more", &o.feeds);
        let again = parse_opml(written.as_bytes()).unwrap();
        assert_eq!(again.title, o.title);
        let mut a = o.feeds.clone();
        let mut b = again.feeds.clone();
        a.sort_by(|x, y| x.xml_url.cmp(&y.xml_url));
        b.sort_by(|x, y| x.xml_url.cmp(&y.xml_url));
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_entity_declarations_and_non_opml() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>"#;
        assert!(matches!(
            parse_opml(bomb.as_bytes()),
            Err(OpmlError::Entities)
        ));
        assert!(parse_opml(b"<html><body>hi</body></html>").is_err());
    }
}
