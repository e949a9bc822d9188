//! Charts an hour a bar, from what the store keeps per hour: an article's
//! and a story's views (their admin pages), and on the dashboard the site's
//! views, articles ingested (new and updated) and the clustering lag.

use super::Admin;
use super::charts::{self, Bar, Chart, Part};
use crate::error::WebResult;
use newsroom_core::{ArticleId, StoryId};
use newsroom_store::{CountAt, SiteHour, hour_of};
use std::collections::BTreeMap;

/// Hours of an article's or a story's views: a week.
pub const VIEW_HOURS: i64 = 7 * 24;
/// Hours of the dashboard's charts: two days.
pub const SITE_HOURS: i64 = 48;

/// The first hour of a chart of `hours` hours that ends with the hour of `now`.
fn first_hour(now: i64, hours: i64) -> i64 {
    hour_of(now) - (hours - 1) * 3600
}

/// `hours` bars, one an hour up to the hour of `now`; `bar` gives the
/// parts of the hour starting at its argument and their words.
fn hourly(
    st: &Admin,
    id: &'static str,
    title: String,
    unit: &'static str,
    (now, hours): (i64, i64),
    bar: impl Fn(i64) -> (Vec<Part>, String),
) -> String {
    let first = first_hour(now, hours);
    let last = hour_of(now);
    let chart = Chart {
        title,
        id,
        bars: (0..hours)
            .map(|i| {
                let at = first + i * 3600;
                let (parts, words) = bar(at);
                Bar {
                    label: format!("{}: {words}", st.time(at)),
                    parts,
                }
            })
            .collect(),
        first_label: st.time(first),
        last_label: st.time(last),
        unit,
    };
    charts::svg(&chart)
}

fn views_chart(
    st: &Admin,
    id: &'static str,
    title: String,
    span: (i64, i64),
    rows: Vec<CountAt>,
) -> String {
    let views: BTreeMap<i64, i64> = rows.into_iter().map(|c| (c.at, c.n)).collect();
    hourly(st, id, title, "", span, |at| {
        let n = views.get(&at).copied().unwrap_or(0);
        (
            vec![Part {
                kind: "views",
                value: n,
            }],
            format!("{n} views"),
        )
    })
}

/// Views per hour over [`VIEW_HOURS`] of an article or a story (`what`).
fn week_of_views(st: &Admin, id: &'static str, what: &str, now: i64, rows: Vec<CountAt>) -> String {
    let title = format!("Views of {what} per hour over 7 days");
    views_chart(st, id, title, (now, VIEW_HOURS), rows)
}

/// An article's views per hour.
pub async fn article_views(st: &Admin, id: ArticleId, now: i64) -> WebResult<String> {
    let since = first_hour(now, VIEW_HOURS);
    let rows = st.site.store.article_views_per_hour(id, since).await?;
    Ok(week_of_views(
        st,
        "article-views",
        "this article",
        now,
        rows,
    ))
}

/// A story's views per hour, summed over its articles.
pub async fn story_views(st: &Admin, id: StoryId, now: i64) -> WebResult<String> {
    let since = first_hour(now, VIEW_HOURS);
    let rows = st.site.store.story_views_per_hour(id, since).await?;
    Ok(week_of_views(
        st,
        "story-views",
        "this story's articles",
        now,
        rows,
    ))
}

/// The site's views per hour over [`SITE_HOURS`].
pub async fn site_views(st: &Admin, now: i64) -> WebResult<String> {
    let rows = st
        .site
        .store
        .views_per_hour(first_hour(now, SITE_HOURS))
        .await?;
    Ok(views_chart(
        st,
        "views",
        "Views per hour over two days".into(),
        (now, SITE_HOURS),
        rows,
    ))
}

/// Articles stored per hour (new and updated), and the clustering lag per
/// hour, over [`SITE_HOURS`].
pub struct SiteCharts {
    pub ingest: String,
    pub lag: String,
}

pub async fn site_activity(st: &Admin, now: i64) -> WebResult<SiteCharts> {
    let rows: BTreeMap<i64, SiteHour> = st
        .site
        .store
        .site_hours(first_hour(now, SITE_HOURS))
        .await?
        .into_iter()
        .map(|h| (h.hour, h))
        .collect();
    let none = SiteHour::default();
    let at = |hour: i64| rows.get(&hour).unwrap_or(&none);
    let span = (now, SITE_HOURS);
    let ingest = hourly(
        st,
        "ingest",
        "Articles stored per hour over two days, new and updated".into(),
        "",
        span,
        |hour| {
            let h = at(hour);
            (
                vec![
                    Part {
                        kind: "new",
                        value: h.stored,
                    },
                    Part {
                        kind: "updated",
                        value: h.updated,
                    },
                ],
                format!("{} new, {} updated", h.stored, h.updated),
            )
        },
    );
    let lag = hourly(
        st,
        "lag",
        "Clustering lag per hour over two days: the longest an article waited to be filed into a story"
            .into(),
        "s",
        span,
        |hour| {
            let h = at(hour);
            let words = if h.lag_samples == 0 {
                "no sample (the clustering job did not run)".to_string()
            } else {
                format!(
                    "{} s at most, {} s on average over {} samples",
                    h.lag_max,
                    h.lag_total / h.lag_samples,
                    h.lag_samples
                )
            };
            (
                vec![Part {
                    kind: "lag",
                    value: h.lag_max,
                }],
                words,
            )
        },
    );
    Ok(SiteCharts { ingest, lag })
}
