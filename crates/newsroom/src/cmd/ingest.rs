//! Shared set-up of the ingest commands: the fetcher and ingest settings from the config.

use crate::config::Config;
use anyhow::{Context, Result};
use newsroom_ingest::fetch::{FetchConfig, Fetcher, user_agent};
use newsroom_ingest::pipeline::{Clock, IngestConfig};
use newsroom_ingest::poll_timing::ScheduleConfig;
use std::sync::Arc;

pub fn fetcher(cfg: &Config) -> Result<Fetcher> {
    let fc = FetchConfig {
        allow_private_networks: cfg.fetch.allow_private_networks,
        user_agent: cfg.fetch.user_agent.clone().unwrap_or_else(|| {
            let site = Some(cfg.site.base_url.as_str()).filter(|b| !b.is_empty());
            user_agent(&cfg.site.name, site)
        }),
        per_host_rate: cfg.ingest.per_host_rate,
        per_host_burst: cfg.ingest.per_host_burst,
        per_host_concurrency: cfg.ingest.per_host_concurrency,
        total_timeout: std::time::Duration::from_secs(cfg.fetch.timeout_secs),
        connect_timeout: std::time::Duration::from_secs(cfg.fetch.timeout_secs.min(10)),
        ..FetchConfig::default()
    };
    if fc.allow_private_networks {
        tracing::warn!(
            "fetch.allow_private_networks is on: the SSRF guard lets fetches reach private addresses"
        );
    }
    Fetcher::new(fc).context("cannot build the HTTP client")
}

pub fn ingest_config(cfg: &Config) -> Result<IngestConfig> {
    let tz = jiff::tz::TimeZone::get(&cfg.site.time_zone)
        .with_context(|| format!("invalid setting `site.time_zone`: {}", cfg.site.time_zone))?;
    let defaults = IngestConfig::default();
    let clock = match std::env::var("NEWSROOM_TEST_NOW") {
        Ok(v) => {
            let now: i64 = v
                .trim()
                .parse()
                .with_context(|| format!("NEWSROOM_TEST_NOW={v:?} is not a time in UTC seconds"))?;
            // Only simulations set it: say so, so that it is never left on by mistake.
            tracing::warn!(
                now,
                "NEWSROOM_TEST_NOW is set: ingestion runs on a simulated clock"
            );
            Clock::starting_at(now)
        }
        Err(_) => Clock::default(),
    };
    Ok(IngestConfig {
        clock,
        time_zone: tz,
        source_concurrency: cfg.ingest.concurrency,
        page_rechecks: cfg.ingest.page_recheck_secs.clone(),
        schedule: ScheduleConfig {
            min_interval: cfg.ingest.min_poll_interval_secs,
            max_interval: cfg.ingest.max_poll_interval_secs,
            // A source whose rhythm is unknown yet starts within the bounds.
            default_interval: defaults.schedule.default_interval.clamp(
                cfg.ingest.min_poll_interval_secs,
                cfg.ingest.max_poll_interval_secs,
            ),
            ..defaults.schedule
        },
        ..defaults
    })
}

pub async fn open_store(cfg: &Config) -> Result<Arc<dyn newsroom_store::Store>> {
    let url = if cfg.database.url.is_empty() {
        let dir = std::path::Path::new(&cfg.server.data_dir);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        format!("sqlite://{}", dir.join("newsroom.db").display())
    } else {
        cfg.database.url.clone()
    };
    newsroom_store::open(&url, &cfg.pool())
        .await
        .with_context(|| format!("cannot open database {}", newsroom_store::redact_url(&url)))
}
