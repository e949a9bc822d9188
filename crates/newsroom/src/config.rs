//! Settings: built-in defaults, then a TOML file, then `NEWSROOM_*`
//! environment variables, then command-line flags. A section and key in the
//! file map to `NEWSROOM_SECTION__KEY` (for example `site.time_zone` is
//! `NEWSROOM_SITE__TIME_ZONE`); `NEWSROOM_DATABASE_URL` is accepted too.
//! Every error names the key it is about.

use anyhow::{Context, Result, anyhow};
use newsroom_core::Locale;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub site: SiteSection,
    pub server: ServerSection,
    pub database: DatabaseSection,
    pub fetch: FetchSection,
    pub ingest: IngestSection,
    pub metrics: MetricsSection,
    pub log: LogSection,
    pub cluster: ClusterSection,
}

/// Story clustering and threads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterSection {
    /// A thread (a developing event over days) quiet for longer than this
    /// closes: a later story on the event starts a new thread.
    #[serde(deserialize_with = "number")]
    pub thread_horizon_days: f64,
}

impl Default for ClusterSection {
    fn default() -> Self {
        Self {
            thread_horizon_days: newsroom_cluster::ThreadConfig::default().horizon_days,
        }
    }
}

/// The operators' listener (`GET /metrics`), apart from the site's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Address of the Prometheus endpoint, e.g. `127.0.0.1:9464`; empty: none.
    pub listen: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    /// `text` (for people) or `json` (one object a line, for collectors).
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSection {
    pub name: String,
    /// IANA time zone, e.g. `Europe/Kyiv`.
    pub time_zone: String,
    pub locale: Locale,
    /// The site's public address; empty: each request's own (see README).
    pub base_url: String,
    pub page_size: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub listen: String,
    /// The longest a rendered page is kept; writes make it stale sooner.
    pub page_cache_ttl_secs: u64,
    /// Megabytes of rendered pages kept.
    pub page_cache_mb: u64,
    /// How often the database's change log is read (cache invalidation across nodes).
    pub cache_poll_ms: u64,
    pub flush_interval_secs: u64,
    pub trust_forwarded_for: bool,
    /// Where `--demo` keeps its database when no `--database` is given.
    pub data_dir: String,
    /// A request's line and headers must arrive within this.
    pub header_timeout_secs: u64,
    /// An idle kept-alive connection is closed after this.
    pub keep_alive_timeout_secs: u64,
    /// A request body must arrive whole within this.
    pub body_timeout_secs: u64,
    /// Open connections at most; past it, new ones wait to be accepted.
    pub max_connections: usize,
    /// Open connections from one address at most (0: no limit).
    pub max_connections_per_ip: usize,
    /// Distinct visitors one address can add to one article's count per
    /// 30 minutes (0: no limit).
    pub max_visitors_per_ip: u32,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

/// Never print the database password.
impl std::fmt::Debug for DatabaseSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSection")
            .field("url", &newsroom_store::redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchSection {
    /// Lets the fetcher reach loopback and private addresses. Only for tests
    /// and closed networks: it turns the SSRF guard off.
    pub allow_private_networks: bool,
    pub user_agent: Option<String>,
    /// One request (feed or page, body included) gives up after this.
    pub timeout_secs: u64,
}

impl Default for FetchSection {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            user_agent: None,
            timeout_secs: newsroom_ingest::FetchConfig::default()
                .total_timeout
                .as_secs(),
        }
    }
}

/// Polling: how often, how many at once, and how hard on one host.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSection {
    /// No source is polled more often than this, whatever its rhythm or its feed's `<ttl>`.
    pub min_poll_interval_secs: i64,
    /// Every healthy source is polled at least this often, whatever its server's caching
    /// headers or its feed's `<ttl>` and `sy:updatePeriod` say.
    pub max_poll_interval_secs: i64,
    /// Sources polled at once.
    pub concurrency: usize,
    /// Requests per second to one host, feeds and article pages together.
    #[serde(deserialize_with = "number")]
    pub per_host_rate: f64,
    /// Requests to one host allowed back to back before the rate applies.
    #[serde(deserialize_with = "number")]
    pub per_host_burst: f64,
    /// Requests in flight to one host.
    pub per_host_concurrency: usize,
    /// Ages (seconds after first sight) at which a recent article's page is fetched
    /// again, with its stored validators, to catch edits made on the page only.
    #[serde(deserialize_with = "seconds_list")]
    pub page_recheck_secs: Vec<i64>,
}

impl Default for IngestSection {
    fn default() -> Self {
        let schedule = newsroom_ingest::poll_timing::ScheduleConfig::default();
        let fetch = newsroom_ingest::FetchConfig::default();
        Self {
            min_poll_interval_secs: schedule.min_interval,
            max_poll_interval_secs: schedule.max_interval,
            concurrency: newsroom_ingest::IngestConfig::default().source_concurrency,
            per_host_rate: fetch.per_host_rate,
            per_host_burst: fetch.per_host_burst,
            per_host_concurrency: fetch.per_host_concurrency,
            page_recheck_secs: newsroom_ingest::IngestConfig::default().page_rechecks,
        }
    }
}

/// A list of seconds from the file, or from the environment as `3600,21600`.
fn seconds_list<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        L(Vec<i64>),
        // One age from the environment arrives as a number, not as "3600".
        One(i64),
        S(String),
    }
    match List::deserialize(d)? {
        List::L(v) => Ok(v),
        List::One(n) => Ok(vec![n]),
        List::S(s) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse().map_err(|_| {
                    serde::de::Error::custom(format!("{p:?} is not a number of seconds"))
                })
            })
            .collect(),
    }
}

/// A number from the file, or from the environment, where `0.5` arrives as a string.
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        N(f64),
        S(String),
    }
    match Num::deserialize(d)? {
        Num::N(n) => Ok(n),
        Num::S(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a number"))),
    }
}

impl Default for SiteSection {
    fn default() -> Self {
        Self {
            name: "newsroom".into(),
            time_zone: "UTC".into(),
            locale: Locale::En,
            base_url: String::new(),
            page_size: 20,
        }
    }
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            page_cache_ttl_secs: 600,
            page_cache_mb: 256,
            cache_poll_ms: 1000,
            flush_interval_secs: 2,
            trust_forwarded_for: false,
            data_dir: "data".into(),
            header_timeout_secs: 10,
            keep_alive_timeout_secs: 5,
            body_timeout_secs: 10,
            max_connections: 4096,
            max_connections_per_ip: 128,
            max_visitors_per_ip: 20,
        }
    }
}

impl Default for DatabaseSection {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 8,
            acquire_timeout_secs: 5,
        }
    }
}

impl Config {
    /// Loads defaults, the file (if any) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        Self::load_from(file, std::env::vars())
    }

    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                text.parse::<toml::Table>()
                    .map_err(|e| anyhow!("config file {}: {e}", path.display()))?
            }
            None => toml::Table::new(),
        };
        let mut from_env = Vec::new();
        for (key, value) in env {
            let Some(rest) = key.strip_prefix("NEWSROOM_") else {
                continue;
            };
            let path: Vec<String> = if rest == "DATABASE_URL" {
                vec!["database".into(), "url".into()]
            } else if rest == "LOG_FORMAT" {
                vec!["log".into(), "format".into()]
            } else if rest.contains("__") {
                rest.split("__").map(|s| s.to_ascii_lowercase()).collect()
            } else {
                // Other single-underscore names (NEWSROOM_LOG, test knobs) are not settings.
                continue;
            };
            set_path(&mut table, &path, env_value(&value));
            from_env.push(key);
        }
        let de = toml::Value::Table(table);
        let cfg: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let env_hint = format!("NEWSROOM_{}", path.replace('.', "__").to_ascii_uppercase());
            let origin = if from_env.contains(&env_hint) {
                format!(" (from {env_hint})")
            } else {
                String::new()
            };
            anyhow!("invalid setting `{path}`{origin}: {}", e.inner())
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        jiff::tz::TimeZone::get(&self.site.time_zone).map_err(|e| {
            anyhow!(
                "invalid setting `site.time_zone`: {:?} is not an IANA time zone ({e})",
                self.site.time_zone
            )
        })?;
        if !(1..=200).contains(&self.site.page_size) {
            return Err(anyhow!(
                "invalid setting `site.page_size`: {} is not between 1 and 200",
                self.site.page_size
            ));
        }
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(anyhow!(
                "invalid setting `server.listen`: {:?} is not an address like 127.0.0.1:8080",
                self.server.listen
            ));
        }
        if !self.site.base_url.is_empty() {
            check_base_url(&self.site.base_url)?;
        }
        if !self.metrics.listen.is_empty() {
            let addr: std::net::SocketAddr = self.metrics.listen.parse().map_err(|_| {
                anyhow!(
                    "invalid setting `metrics.listen`: {:?} is not an address like 127.0.0.1:9464",
                    self.metrics.listen
                )
            })?;
            if self.server.listen.parse::<std::net::SocketAddr>().ok() == Some(addr) {
                return Err(anyhow!(
                    "invalid setting `metrics.listen`: {addr} is the site's own address (server.listen); metrics need a listener of their own"
                ));
            }
        }
        for (key, v) in [
            ("header_timeout_secs", self.server.header_timeout_secs),
            (
                "keep_alive_timeout_secs",
                self.server.keep_alive_timeout_secs,
            ),
            ("body_timeout_secs", self.server.body_timeout_secs),
            ("max_connections", self.server.max_connections as u64),
        ] {
            if v == 0 {
                return Err(anyhow!(
                    "invalid setting `server.{key}`: must be at least 1"
                ));
            }
        }
        if self.server.flush_interval_secs == 0 {
            return Err(anyhow!(
                "invalid setting `server.flush_interval_secs`: must be at least 1"
            ));
        }
        if !(1..=600).contains(&self.fetch.timeout_secs) {
            return Err(anyhow!(
                "invalid setting `fetch.timeout_secs`: {} is not between 1 and 600",
                self.fetch.timeout_secs
            ));
        }
        let i = &self.ingest;
        if i.min_poll_interval_secs < 1 {
            return Err(anyhow!(
                "invalid setting `ingest.min_poll_interval_secs`: must be at least 1"
            ));
        }
        if i.max_poll_interval_secs < i.min_poll_interval_secs {
            return Err(anyhow!(
                "invalid setting `ingest.max_poll_interval_secs`: {} is below ingest.min_poll_interval_secs ({})",
                i.max_poll_interval_secs,
                i.min_poll_interval_secs
            ));
        }
        if !(1..=4096).contains(&i.concurrency) {
            return Err(anyhow!(
                "invalid setting `ingest.concurrency`: {} is not between 1 and 4096",
                i.concurrency
            ));
        }
        if !(i.per_host_rate.is_finite() && i.per_host_rate > 0.0) {
            return Err(anyhow!(
                "invalid setting `ingest.per_host_rate`: {} is not a positive number of requests per second",
                i.per_host_rate
            ));
        }
        if !(i.per_host_burst.is_finite() && i.per_host_burst >= 1.0) {
            return Err(anyhow!(
                "invalid setting `ingest.per_host_burst`: must be at least 1"
            ));
        }
        if !(1..=256).contains(&i.per_host_concurrency) {
            return Err(anyhow!(
                "invalid setting `ingest.per_host_concurrency`: {} is not between 1 and 256",
                i.per_host_concurrency
            ));
        }
        let rechecks = &i.page_recheck_secs;
        if rechecks.len() > 16
            || rechecks.iter().any(|&t| t <= 0)
            || rechecks.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(anyhow!(
                "invalid setting `ingest.page_recheck_secs`: at most 16 positive ages in seconds, rising"
            ));
        }
        let h = self.cluster.thread_horizon_days;
        if !(h.is_finite() && h > 0.0 && h <= 3650.0) {
            return Err(anyhow!(
                "invalid setting `cluster.thread_horizon_days`: {h} is not a number of days above 0 and at most 3650"
            ));
        }
        if self.database.max_connections == 0 {
            return Err(anyhow!(
                "invalid setting `database.max_connections`: must be at least 1"
            ));
        }
        Ok(())
    }

    pub fn conn_limits(&self) -> newsroom_web::ConnLimits {
        let secs = std::time::Duration::from_secs;
        newsroom_web::ConnLimits {
            header_timeout: secs(self.server.header_timeout_secs),
            keep_alive_timeout: secs(self.server.keep_alive_timeout_secs),
            body_timeout: secs(self.server.body_timeout_secs),
            max_connections: self.server.max_connections,
            max_connections_per_ip: self.server.max_connections_per_ip,
        }
    }

    pub fn pool(&self) -> newsroom_store::PoolConfig {
        newsroom_store::PoolConfig {
            max_connections: self.database.max_connections,
            acquire_timeout: std::time::Duration::from_secs(
                self.database.acquire_timeout_secs.max(1),
            ),
        }
    }

    /// The clustering job's settings: the clusterer's defaults (those of
    /// `newsroom cluster`) with the site's thread horizon.
    pub fn cluster_worker(&self) -> newsroom_cluster::worker::WorkerConfig {
        let mut w = newsroom_cluster::worker::WorkerConfig::default();
        w.clusterer.threads.horizon_days = self.cluster.thread_horizon_days;
        w
    }

    pub fn site(&self) -> newsroom_web::SiteConfig {
        newsroom_web::SiteConfig {
            name: self.site.name.clone(),
            time_zone: self.site.time_zone.clone(),
            locale: self.site.locale,
            base_url: self.site.base_url.clone(),
            page_cache_ttl: std::time::Duration::from_secs(self.server.page_cache_ttl_secs),
            page_cache_bytes: (self.server.page_cache_mb as usize).saturating_mul(1 << 20),
            invalidate_interval: std::time::Duration::from_millis(
                self.server.cache_poll_ms.max(10),
            ),
            flush_interval: std::time::Duration::from_secs(self.server.flush_interval_secs),
            trust_forwarded_for: self.server.trust_forwarded_for,
            page_size: self.site.page_size,
            max_visitors_per_ip: self.server.max_visitors_per_ip,
            unflushed_views_file: Some(
                std::path::Path::new(&self.server.data_dir).join("unflushed-views.json"),
            ),
            ..Default::default()
        }
    }
}

/// `site.base_url` is where the site is reached: every feed, sitemap and
/// canonical link is built on it, and the admin area checks `Origin` against
/// it, so a typo must stop the start rather than go out in every feed.
fn check_base_url(base: &str) -> Result<()> {
    let bad = |why: &str| anyhow!("invalid setting `site.base_url`: {base:?} {why}");
    let u = url::Url::parse(base).map_err(|e| {
        bad(&format!(
            "is not an absolute URL like https://news.example ({e})"
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host name"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("must not have a query (?) or fragment (#)"));
    }
    Ok(())
}

/// Environment values are typed the way TOML would read them, so
/// `NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS=true` is a boolean; anything else is a string.
fn env_value(v: &str) -> toml::Value {
    match v {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => match v.parse::<i64>() {
            Ok(n) => toml::Value::Integer(n),
            Err(_) => toml::Value::String(v.to_string()),
        },
    }
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        t = next;
    }
    t.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("newsroom.toml");
        std::fs::write(&p, file).unwrap();
        Config::load_from(
            Some(&p),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn file_then_env() {
        let c = load(
            "[site]\nname = \"Daily\"\ntime_zone = \"Europe/Kyiv\"\nlocale = \"uk\"\n",
            &[
                ("NEWSROOM_SITE__NAME", "Evening"),
                ("NEWSROOM_DATABASE_URL", "sqlite:///tmp/x.db"),
                ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true"),
            ],
        )
        .unwrap();
        assert_eq!(c.site.name, "Evening");
        assert_eq!(c.site.time_zone, "Europe/Kyiv");
        assert_eq!(c.site.locale, Locale::Uk);
        assert_eq!(c.database.url, "sqlite:///tmp/x.db");
        assert!(c.fetch.allow_private_networks);
    }

    #[test]
    fn errors_name_the_key() {
        let e = load("[site]\ntime_zone = \"Mars/Olympus\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("site.time_zone"), "{e}");
        let e = load("[site]\nlocale = \"xx\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("site.locale"), "{e}");
        let e = load("[server]\nflush_interval_secs = \"soon\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.flush_interval_secs"), "{e}");
        let e = load("[site]\nnmae = \"x\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("nmae"), "{e}");
        let e = load("[site\nname = 1", &[]).unwrap_err().to_string();
        assert!(e.contains("config file"), "{e}");
        let e = load("", &[("NEWSROOM_SERVER__PAGE_CACHE_TTL_SECS", "-")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("server.page_cache_ttl_secs")
                && e.contains("NEWSROOM_SERVER__PAGE_CACHE_TTL_SECS"),
            "{e}"
        );
    }

    #[test]
    fn base_url_is_checked_at_load() {
        for ok in [
            "https://news.example",
            "http://127.0.0.1:8080",
            "https://example.org/news/",
        ] {
            let c = load(&format!("[site]\nbase_url = {ok:?}\n"), &[]).unwrap();
            assert_eq!(c.site.base_url, ok);
        }
        for (bad, why) in [
            ("news.example", "absolute URL"),
            ("/news", "absolute URL"),
            ("ftp://news.example", "http:// or https://"),
            ("javascript:alert(1)", "http:// or https://"),
            ("https://user:pw@news.example", "user name or password"),
            ("https://news.example/?a=1", "query"),
            ("https://news.example/#top", "fragment"),
            ("https://", "absolute URL"),
        ] {
            let e = load("", &[("NEWSROOM_SITE__BASE_URL", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("site.base_url") && e.contains(why), "{bad}: {e}");
        }
        // Unset (the default, or empty): every request's own address.
        assert_eq!(load("", &[]).unwrap().site.base_url, "");
        assert_eq!(
            load("", &[("NEWSROOM_SITE__BASE_URL", "")])
                .unwrap()
                .site
                .base_url,
            ""
        );
    }

    #[test]
    fn connection_limits_have_defaults_and_must_be_positive() {
        let c = load("", &[]).unwrap();
        let l = c.conn_limits();
        assert_eq!(l.header_timeout.as_secs(), 10);
        assert_eq!(l.max_connections_per_ip, 128);
        let e = load("[server]\nheader_timeout_secs = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.header_timeout_secs"), "{e}");
    }

    #[test]
    fn ingest_settings_from_file_and_env() {
        let c = load("", &[]).unwrap();
        assert_eq!(c.ingest.min_poll_interval_secs, 300);
        let c = load(
            "[ingest]\nmin_poll_interval_secs = 60\nmax_poll_interval_secs = 3600\nconcurrency = 8\nper_host_rate = 1\n",
            &[
                ("NEWSROOM_INGEST__PER_HOST_RATE", "0.5"),
                ("NEWSROOM_INGEST__PER_HOST_CONCURRENCY", "3"),
            ],
        )
        .unwrap();
        assert_eq!(c.ingest.min_poll_interval_secs, 60);
        assert_eq!(c.ingest.max_poll_interval_secs, 3600);
        assert_eq!(c.ingest.concurrency, 8);
        assert_eq!(c.ingest.per_host_rate, 0.5);
        assert_eq!(c.ingest.per_host_concurrency, 3);
        for (file, key) in [
            (
                "[ingest]\nmin_poll_interval_secs = 0\n",
                "ingest.min_poll_interval_secs",
            ),
            (
                "[ingest]\nmin_poll_interval_secs = 600\nmax_poll_interval_secs = 60\n",
                "ingest.max_poll_interval_secs",
            ),
            ("[ingest]\nconcurrency = 0\n", "ingest.concurrency"),
            ("[ingest]\nper_host_rate = -1.0\n", "ingest.per_host_rate"),
            (
                "[ingest]\nper_host_rate = \"fast\"\n",
                "ingest.per_host_rate",
            ),
            ("[ingest]\nevery = 5\n", "every"),
        ] {
            let e = load(file, &[]).unwrap_err().to_string();
            assert!(e.contains(key), "{file}: {e}");
        }
        assert_eq!(c.ingest.page_recheck_secs, vec![3600, 6 * 3600, 24 * 3600]);
        let c = load("[ingest]\npage_recheck_secs = [600, 7200]\n", &[]).unwrap();
        assert_eq!(c.ingest.page_recheck_secs, vec![600, 7200]);
        let c = load("", &[("NEWSROOM_INGEST__PAGE_RECHECK_SECS", "3600")]).unwrap();
        assert_eq!(c.ingest.page_recheck_secs, vec![3600]);
        let c = load("", &[("NEWSROOM_INGEST__PAGE_RECHECK_SECS", "900, 86400")]).unwrap();
        assert_eq!(c.ingest.page_recheck_secs, vec![900, 86400]);
        let c = load("[ingest]\npage_recheck_secs = []\n", &[]).unwrap();
        assert!(c.ingest.page_recheck_secs.is_empty());
        for bad in ["[7200, 600]", "[0]", "[-5, 60]"] {
            let e = load(&format!("[ingest]\npage_recheck_secs = {bad}\n"), &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("ingest.page_recheck_secs"), "{bad}: {e}");
        }
        let e = load("", &[("NEWSROOM_INGEST__PER_HOST_RATE", "lots")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("NEWSROOM_INGEST__PER_HOST_RATE"), "{e}");
    }

    #[test]
    fn metrics_and_log_settings() {
        let c = load("", &[]).unwrap();
        assert_eq!(
            (c.metrics.listen.as_str(), c.log.format),
            ("", LogFormat::Text)
        );
        let c = load(
            "[metrics]\nlisten = \"127.0.0.1:9464\"\n[log]\nformat = \"json\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            (c.metrics.listen.as_str(), c.log.format),
            ("127.0.0.1:9464", LogFormat::Json)
        );
        let c = load(
            "",
            &[
                ("NEWSROOM_METRICS__LISTEN", "127.0.0.1:9999"),
                ("NEWSROOM_LOG_FORMAT", "json"),
            ],
        )
        .unwrap();
        assert_eq!(
            (c.metrics.listen.as_str(), c.log.format),
            ("127.0.0.1:9999", LogFormat::Json)
        );
        let c = load(
            "[log]\nformat = \"json\"\n",
            &[("NEWSROOM_LOG__FORMAT", "text")],
        )
        .unwrap();
        assert_eq!(
            c.log.format,
            LogFormat::Text,
            "the environment over the file"
        );
        for (file, env, key) in [
            (
                "[metrics]\nlisten = \"everywhere\"\n",
                None,
                "metrics.listen",
            ),
            (
                "[metrics]\nlisten = \"127.0.0.1:8080\"\n",
                None,
                "server.listen",
            ),
            ("", Some(("NEWSROOM_LOG_FORMAT", "xml")), "log.format"),
        ] {
            let e = load(file, env.as_slice()).unwrap_err().to_string();
            assert!(e.contains(key), "{file}: {e}");
        }
    }

    #[test]
    fn thread_horizon_from_file_and_env() {
        let c = load("", &[]).unwrap();
        assert_eq!(c.cluster.thread_horizon_days, 14.0);
        assert_eq!(c.cluster_worker().clusterer.threads.horizon_days, 14.0);
        let c = load("[cluster]\nthread_horizon_days = 3.5\n", &[]).unwrap();
        assert_eq!(c.cluster_worker().clusterer.threads.horizon_days, 3.5);
        let c = load("", &[("NEWSROOM_CLUSTER__THREAD_HORIZON_DAYS", "30")]).unwrap();
        assert_eq!(c.cluster.thread_horizon_days, 30.0);
        for bad in ["0", "-1", "nan", "5000"] {
            let e = load("", &[("NEWSROOM_CLUSTER__THREAD_HORIZON_DAYS", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("cluster.thread_horizon_days"), "{bad}: {e}");
        }
    }

    #[test]
    fn debug_redacts_password() {
        let c = load("[database]\nurl = \"postgres://u:hunter2@db/site\"\n", &[]).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
