//! The field rules: when an item is seen again, or its page read, each stored field is
//! decided on its own here, and nowhere else.
//!
//! - title from the feed;
//! - body from the best source: the extracted page unless the feed carries more, and a
//!   stored body is replaced only by one from as good a source that keeps at least half
//!   its text (a login wall or a teaser never overwrites full text), or by more text;
//! - image and video kept unless a better one arrives;
//! - published time from the first trustworthy source: before 1990 or later than now
//!   plus the allowed skew does not count (placeholders such as 0001-01-01 never win).

use newsroom_core::{BodyOrigin, LeadImage, Timestamp, Video};

/// 1990-01-01T00:00:00Z: no news item on the web is older; earlier times are placeholders.
pub const EARLIEST_BELIEVABLE: Timestamp = 631_152_000;

/// A body with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Sanitised HTML.
    pub html: String,
    pub text: String,
    pub origin: BodyOrigin,
    /// `seal::SealKey::seal` of `html`, when this site's sanitiser made it.
    pub seal: Option<String>,
}

impl Body {
    fn len(&self) -> usize {
        self.text.chars().count()
    }
}

/// Title: the feed's, else the one already stored, else the page's.
pub fn title(feed: &str, stored: Option<&str>, page: Option<&str>) -> Option<String> {
    [Some(feed), stored, page]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map(str::to_string)
}

/// Of what this poll read: the extracted page, unless the feed carries more text.
pub fn fresh_body(feed: Option<Body>, page: Option<Body>) -> Option<Body> {
    let feed = feed.filter(|b| b.len() > 0);
    let page = page.filter(|b| b.len() > 0 && !b.html.trim().is_empty());
    match (feed, page) {
        (Some(f), Some(p)) => Some(if f.len() > p.len() { f } else { p }),
        (f, p) => p.or(f),
    }
}

/// The body to keep: the fresh one replaces the stored one when it carries more text, or
/// when it comes from as good a source (an edit) and keeps at least half the stored text.
pub fn body(stored: Option<Body>, fresh: Option<Body>) -> Option<Body> {
    let Some(old) = stored.filter(|b| b.len() > 0) else {
        return fresh;
    };
    let Some(new) = fresh else {
        return Some(old);
    };
    let more = new.len() > old.len();
    let edit = new.origin >= old.origin && new.len() * 2 >= old.len();
    Some(if more || edit { new } else { old })
}

/// True when the fresh body was offered and refused for being much shorter: a login wall
/// or a teaser in place of the stored text. Worth a note.
pub fn refused_shrink(stored: Option<&Body>, fresh: Option<&Body>, kept: Option<&Body>) -> bool {
    matches!((stored, fresh, kept), (Some(s), Some(f), Some(k)) if k == s && f != s && f.origin >= s.origin)
}

/// Images in order of preference (stored first): the stored one stays unless a later one
/// is known to be bigger; the same image seen again fills in sizes it lacked.
pub fn image(candidates: impl IntoIterator<Item = Option<LeadImage>>) -> Option<LeadImage> {
    candidates
        .into_iter()
        .flatten()
        .fold(None, |best: Option<LeadImage>, new| match best {
            None => Some(new),
            Some(old) if old.url == new.url => Some(LeadImage {
                width: old.width.or(new.width),
                height: old.height.or(new.height),
                alt: if old.alt.is_empty() { new.alt } else { old.alt },
                ..old
            }),
            Some(old) => Some(if area(&new) > area(&old) { new } else { old }),
        })
}

fn area(i: &LeadImage) -> u64 {
    match (i.width, i.height) {
        (Some(w), Some(h)) => u64::from(w) * u64::from(h),
        _ => 0,
    }
}

/// Video: the stored one stays; else the first offered.
pub fn video(candidates: impl IntoIterator<Item = Option<Video>>) -> Option<Video> {
    candidates.into_iter().flatten().next()
}

/// A published time and whether a believable source stated it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub at: Timestamp,
    pub trusted: bool,
}

/// Not a placeholder, not far in the future.
pub fn trustworthy(t: Timestamp, now: Timestamp, future_skew: i64) -> bool {
    (EARLIEST_BELIEVABLE..=now.saturating_add(future_skew)).contains(&t)
}

/// A trusted stored time stays. Otherwise the first trustworthy candidate (in order of
/// preference) wins; with none, the stored stand-in, or now.
pub fn published(
    stored: Option<Published>,
    candidates: &[Option<Timestamp>],
    now: Timestamp,
    future_skew: i64,
) -> Published {
    if let Some(p) = stored.filter(|p| p.trusted) {
        return p;
    }
    candidates
        .iter()
        .flatten()
        .find(|&&t| trustworthy(t, now, future_skew))
        .map(|&at| Published { at, trusted: true })
        .or(stored)
        .unwrap_or(Published {
            at: now,
            trusted: false,
        })
}

/// First non-empty of the offered values.
pub fn first_text(candidates: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    candidates
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(text: &str, origin: BodyOrigin) -> Body {
        Body {
            html: format!("<p>{text}</p>"),
            text: text.to_string(),
            origin,
            seal: None,
        }
    }

    fn img(url: &str, size: Option<(u32, u32)>) -> LeadImage {
        LeadImage {
            url: url.parse().unwrap(),
            alt: String::new(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        }
    }

    const FULL: &str = "The council met on Tuesday and voted on the budget for the coming year, after months of debate.";

    #[test]
    fn title_comes_from_the_feed() {
        assert_eq!(title("New", Some("Old"), Some("Page")).unwrap(), "New");
        assert_eq!(title("  ", Some("Old"), Some("Page")).unwrap(), "Old");
        assert_eq!(title("", None, Some("Page")).unwrap(), "Page");
        assert_eq!(title("", None, None), None);
    }

    #[test]
    fn page_body_wins_unless_the_feed_carries_more() {
        let page = b(FULL, BodyOrigin::Page);
        let teaser = b("teaser", BodyOrigin::Feed);
        assert_eq!(
            fresh_body(Some(teaser.clone()), Some(page.clone())),
            Some(page.clone())
        );
        let long_feed = b(&format!("{FULL} {FULL}"), BodyOrigin::Feed);
        assert_eq!(
            fresh_body(Some(long_feed.clone()), Some(page)),
            Some(long_feed)
        );
        assert_eq!(fresh_body(Some(teaser.clone()), None), Some(teaser));
        assert_eq!(fresh_body(None, None), None);
    }

    #[test]
    fn a_teaser_never_overwrites_stored_full_text() {
        let stored = b(FULL, BodyOrigin::Page);
        let teaser = b("teaser", BodyOrigin::Feed);
        let kept = body(Some(stored.clone()), Some(teaser.clone()));
        assert_eq!(kept, Some(stored.clone()));
        assert!(refused_shrink(Some(&stored), Some(&teaser), kept.as_ref()) == false);
        // Nothing fresh at all: the stored body stays.
        assert_eq!(body(Some(stored.clone()), None), Some(stored));
    }

    #[test]
    fn the_feed_replaces_a_page_body_only_with_more_text() {
        let stored = b(FULL, BodyOrigin::Page);
        let more = b(&format!("{FULL} And then some more."), BodyOrigin::Feed);
        assert_eq!(body(Some(stored), Some(more.clone())), Some(more));
    }

    #[test]
    fn an_edit_from_as_good_a_source_arrives_even_when_shorter() {
        let stored = b(FULL, BodyOrigin::Page);
        let edited = b(&FULL[..FULL.len() - 20], BodyOrigin::Page);
        assert_eq!(body(Some(stored), Some(edited.clone())), Some(edited));
        let feed_full = b(FULL, BodyOrigin::Feed);
        let feed_edit = b(&FULL[..60], BodyOrigin::Feed);
        assert_eq!(
            body(Some(feed_full), Some(feed_edit.clone())),
            Some(feed_edit)
        );
    }

    #[test]
    fn a_login_wall_does_not_replace_the_stored_page_body() {
        let stored = b(FULL, BodyOrigin::Page);
        let wall = b("Sign in to read.", BodyOrigin::Page);
        let kept = body(Some(stored.clone()), Some(wall.clone()));
        assert_eq!(kept, Some(stored.clone()));
        assert!(refused_shrink(Some(&stored), Some(&wall), kept.as_ref()));
    }

    #[test]
    fn images_are_kept_unless_a_bigger_one_arrives() {
        let stored = img("https://x.test/a.jpg", Some((800, 600)));
        let small = img("https://x.test/thumb.jpg", Some((120, 90)));
        let unknown = img("https://x.test/b.jpg", None);
        let big = img("https://x.test/big.jpg", Some((1600, 900)));
        assert_eq!(
            image([Some(stored.clone()), Some(small)]),
            Some(stored.clone())
        );
        assert_eq!(
            image([Some(stored.clone()), Some(unknown.clone())]),
            Some(stored.clone())
        );
        assert_eq!(image([Some(stored.clone()), Some(big.clone())]), Some(big));
        assert_eq!(image([None, Some(unknown.clone())]), Some(unknown));
        // The same image with sizes now known.
        let bare = img("https://x.test/a.jpg", None);
        assert_eq!(image([Some(bare), Some(stored.clone())]), Some(stored));
        assert_eq!(image([None, None]), None);
    }

    #[test]
    fn videos_are_kept() {
        let v = |u: &str| {
            Some(Video {
                url: u.parse().unwrap(),
            })
        };
        assert_eq!(
            video([v("https://a/1.mp4"), v("https://a/2.mp4")]),
            v("https://a/1.mp4")
        );
        assert_eq!(video([None, v("https://a/2.mp4")]), v("https://a/2.mp4"));
    }

    #[test]
    fn published_from_the_first_trustworthy_source() {
        let now = 1_800_000_000;
        let feed = Some(1_714_557_600);
        let page = Some(1_714_000_000);
        let year_one = Some(-62_135_596_800);
        let far_future = Some(now + 86_400);
        let p = published(None, &[feed, page], now, 600);
        assert_eq!(
            p,
            Published {
                at: 1_714_557_600,
                trusted: true
            }
        );
        // Placeholders and future times do not count, whatever their place.
        let p = published(None, &[year_one, far_future, page], now, 600);
        assert_eq!(
            p,
            Published {
                at: 1_714_000_000,
                trusted: true
            }
        );
        assert!(!trustworthy(0, now, 600));
        assert!(trustworthy(now + 600, now, 600));
        // Nothing believable: now, marked untrusted, and a later believable time replaces it.
        let stand_in = published(None, &[year_one, None], now, 600);
        assert_eq!(
            stand_in,
            Published {
                at: now,
                trusted: false
            }
        );
        let later = published(Some(stand_in), &[None, page], now + 3600, 600);
        assert_eq!(
            later,
            Published {
                at: 1_714_000_000,
                trusted: true
            }
        );
        // A trusted stored time stays, even when a source now says otherwise.
        assert_eq!(published(Some(later), &[feed], now, 600), later);
        // An untrusted stand-in stays put (it does not move to each poll's now).
        assert_eq!(
            published(Some(stand_in), &[None], now + 7200, 600),
            stand_in
        );
    }
}
