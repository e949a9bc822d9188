//! The outlets of the simulated world: each one a real HTTP server on its own loopback host
//! (127.0.0.x), with the feed, the pages and the habits of one kind of news site.

use super::pages::Pages;
use newsroom_ingest::testkit::{Bytes, Fault, Resource, Seen, TestServer};
use std::net::{IpAddr, Ipv4Addr};

/// What sets an outlet apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RSS; titles edited in the feed, bodies edited on the page only (no feed sign).
    Plain,
    /// Atom with `<updated>`: page edits come with the entry's updated time bumped.
    Wire,
    /// Republishes the wire's copy under its own address and canonical.
    Syndicator,
    /// Feed links answer 302 to the article's real address.
    Redirects,
    /// Pages name another address as rel=canonical.
    Canonical,
    /// Feed links carry utm_* parameters that change on every pass.
    Utm,
    /// Answers 304 to a conditional feed request when nothing changed; 429 once.
    Polite,
    /// Down (500), then hanging, then back.
    Flaky,
    /// Its feed moves for good (301) early on.
    Moving,
}

/// The feed's answer in one pass, as the world decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedState {
    Ok,
    TooMany,
    Down,
    Hanging,
}

impl FeedState {
    /// The error class newsroom must report for this state.
    pub fn error_class(self) -> Option<&'static str> {
        match self {
            FeedState::Ok => None,
            FeedState::TooMany => Some("rate_limited"),
            FeedState::Down => Some("http_5xx"),
            FeedState::Hanging => Some("timeout"),
        }
    }
}

/// One article of an outlet, and what newsroom has been shown of it.
#[derive(Debug, Clone)]
pub struct Item {
    pub n: usize,
    /// Index into the dataset pages.
    pub page: usize,
    pub title: String,
    pub published: i64,
    /// The feed's updated time (Atom only).
    pub updated: i64,
    /// Sentences added to the page, in order.
    pub edits: Vec<String>,
    /// (outlet, item) this one is a copy of.
    pub copy_of: Option<(usize, usize)>,
    /// When newsroom first got a feed listing it: (pass, time).
    pub seen: Option<(usize, i64)>,
    /// The title of the last feed newsroom read with this item in it.
    pub shown_title: String,
    /// Updated-time bumps newsroom has been shown.
    pub bumps_shown: usize,
    /// Page requests newsroom made for it, and how many carried validators.
    pub fetches: usize,
    pub conditional_fetches: usize,
    /// Edits with the pass by which they must be stored.
    pub due: Vec<(String, usize)>,
    pub html: Option<Bytes>,
}

pub struct Outlet {
    pub kind: Kind,
    pub name: String,
    pub server: TestServer,
    pub items: Vec<Item>,
    /// Items in the feed now, newest first (indices into `items`).
    pub feed: Vec<usize>,
    pub feed_path: String,
    /// Earlier feed paths, now answering 301.
    pub old_paths: Vec<String>,
    pub state: FeedState,
    pub source_id: i64,
    /// How much of the server's request log has been read.
    pub read: usize,
}

impl Outlet {
    pub async fn start(kind: Kind, name: String, host: u8) -> Outlet {
        let server = TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host))).await;
        Outlet {
            kind,
            name,
            server,
            items: Vec::new(),
            feed: Vec::new(),
            feed_path: "/feed.xml".into(),
            old_paths: Vec::new(),
            state: FeedState::Ok,
            source_id: 0,
            read: 0,
        }
    }

    pub fn base(&self) -> String {
        self.server.url("")
    }

    pub fn page_path(n: usize) -> String {
        format!("/a/{n}.html")
    }

    /// The link the feed gives for item `n` in `pass`.
    pub fn link(&self, n: usize, pass: usize) -> String {
        match self.kind {
            Kind::Redirects => self.server.url(&format!("/r/{n}")),
            Kind::Utm => self.server.url(&format!(
                "{}?utm_source=rss&utm_medium=feed&utm_campaign=pass{pass}",
                Self::page_path(n)
            )),
            _ => self.server.url(&Self::page_path(n)),
        }
    }

    /// The address the page names as canonical: its own, or (one outlet) another path.
    pub fn canonical(&self, n: usize) -> String {
        match self.kind {
            Kind::Canonical => self.server.url(&format!("/story/{n}")),
            _ => self.server.url(&Self::page_path(n)),
        }
    }

    /// The path a page request for item `n` arrives at first (the feed link's path).
    fn entry_path(&self, n: usize) -> String {
        match self.kind {
            Kind::Redirects => format!("/r/{n}"),
            _ => Self::page_path(n),
        }
    }

    /// Serve the feed and every page the outlet ever published, as they are now.
    pub fn publish(&mut self, pages: &mut Pages, pass: usize) {
        for i in 0..self.items.len() {
            let canonical = self.canonical(self.items[i].n);
            let item = &mut self.items[i];
            let html = item
                .html
                .get_or_insert_with(|| pages.html(item.page, &canonical, &item.edits))
                .clone();
            let etag = format!("\"p{}-{}\"", item.n, item.edits.len());
            let path = Self::page_path(item.n);
            self.server.set(
                &path,
                Resource::ok("text/html; charset=utf-8", html).with_etag(&etag),
            );
            if self.kind == Kind::Redirects {
                self.server
                    .set(&format!("/r/{}", item.n), Resource::redirect(302, &path));
            }
        }
        for old in &self.old_paths {
            self.server.set(
                old,
                Resource::redirect(301, &self.server.url(&self.feed_path)),
            );
        }
        let body = match self.kind {
            Kind::Wire => self.atom(pages),
            _ => self.rss(pages, pass),
        };
        let ok = match self.kind {
            // Answers 304 to a request that names the feed's current version.
            Kind::Polite => Resource::ok("application/rss+xml", body.clone())
                .with_etag(&format!("\"{:x}\"", hash(&body))),
            Kind::Wire => Resource::ok("application/atom+xml", body.clone()),
            _ => Resource::ok("application/rss+xml", body.clone()),
        };
        let answer = match self.state {
            FeedState::Ok => ok,
            FeedState::TooMany => Resource::status(429).with_header("retry-after", "120"),
            FeedState::Down => Resource::status(500),
            FeedState::Hanging => {
                Resource::ok("application/rss+xml", body).with_fault(Fault::Stall)
            }
        };
        self.server.set(&self.feed_path, answer);
    }

    fn rss(&self, pages: &Pages, pass: usize) -> String {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>{}</title><link>{}/</link>\n",
            esc(&self.name),
            self.base()
        );
        for &i in &self.feed {
            let it = &self.items[i];
            // The utm outlet gives no GUID: its items are known by their link alone.
            let guid = if self.kind == Kind::Utm {
                String::new()
            } else {
                format!(
                    "<guid isPermaLink=\"false\">{}-{}</guid>",
                    self.name.replace(' ', "-"),
                    it.n
                )
            };
            s.push_str(&format!(
                "<item><title>{}</title><link>{}</link>{guid}<pubDate>{}</pubDate><description>{}</description></item>\n",
                esc(&it.title),
                esc(&self.link(it.n, pass)),
                rfc2822(it.published),
                esc(&pages.teaser(it.page)),
            ));
        }
        s.push_str("</channel></rss>\n");
        s
    }

    fn atom(&self, pages: &Pages) -> String {
        let newest = self
            .feed
            .iter()
            .map(|&i| self.items[i].updated)
            .max()
            .unwrap_or(0);
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{}</title><link href=\"{}/\"/><id>urn:world:{}</id><updated>{}</updated>\n",
            esc(&self.name),
            self.base(),
            self.name.replace(' ', "-"),
            rfc3339(newest)
        );
        for &i in &self.feed {
            let it = &self.items[i];
            s.push_str(&format!(
                "<entry><title>{}</title><link rel=\"alternate\" href=\"{}\"/><id>urn:world:{}:{}</id><published>{}</published><updated>{}</updated><summary>{}</summary></entry>\n",
                esc(&it.title),
                esc(&self.link(it.n, 0)),
                self.name.replace(' ', "-"),
                it.n,
                rfc3339(it.published),
                rfc3339(it.updated),
                esc(&pages.teaser(it.page)),
            ));
        }
        s.push_str("</feed>\n");
        s
    }

    /// The requests made since the last call.
    pub fn take_requests(&mut self) -> Vec<Seen> {
        let all = self.server.seen();
        let new = all[self.read..].to_vec();
        self.read = all.len();
        new
    }

    /// The item a request path asks for, when it is a page request (the first hop only).
    pub fn item_of(&self, path: &str) -> Option<usize> {
        let path = path.split('?').next().unwrap_or(path);
        self.items
            .iter()
            .position(|it| self.entry_path(it.n) == path)
    }

    pub fn is_feed_path(&self, path: &str) -> bool {
        path == self.feed_path || self.old_paths.iter().any(|p| p == path)
    }
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn rfc2822(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .unwrap()
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

pub fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}
