//! When to poll a source next. Pure arithmetic over what the last polls saw, so it is
//! tested without clocks or networks.
//!
//! - A healthy source is polled about twice per observed gap between its items, within
//!   `[min_interval, max_interval]`; a server's max-age/Expires can only push the poll later.
//! - A failing source backs off exponentially with jitter up to `backoff_ceiling`, where it
//!   keeps being re-probed: a source is never dropped.
//! - Retry-After is honoured (up to the ceiling, so that a hostile header cannot park a
//!   source for ever).
//! - A pass where every fetch failed at the network level is an outage on our side: no
//!   source is penalised, and all are retried soon.

use crate::error::FetchErrorClass;
use newsroom_core::PollBounds;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleConfig {
    pub min_interval: i64,
    pub max_interval: i64,
    /// Interval for a source whose rate is unknown yet.
    pub default_interval: i64,
    /// The first retry after an error.
    pub backoff_base: i64,
    /// Failing sources are re-probed at this interval, for ever.
    pub backoff_ceiling: i64,
    /// Up to this fraction of an interval is added at random.
    pub jitter_fraction: f64,
    /// Retry after an outage.
    pub outage_retry: i64,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            min_interval: 5 * 60,
            max_interval: 6 * 3600,
            default_interval: 30 * 60,
            backoff_base: 5 * 60,
            backoff_ceiling: 12 * 3600,
            jitter_fraction: 0.1,
            outage_retry: 5 * 60,
        }
    }
}

/// Interval from the publication times of a source's recent items (any order).
pub fn adaptive_interval(cfg: &ScheduleConfig, published: &[i64], now: i64) -> i64 {
    // Only the last two weeks tell the current rhythm.
    let mut recent: Vec<i64> = published
        .iter()
        .copied()
        .filter(|t| *t <= now && now - *t <= 14 * 86400)
        .collect();
    recent.sort_unstable();
    let interval = if recent.len() < 2 {
        cfg.default_interval.max(cfg.max_interval / 2)
    } else {
        // The mean gap, with "now" as the end so that a source that went quiet slows down.
        let span = now - recent[0];
        let gap = span / recent.len() as i64;
        gap / 2
    };
    interval.clamp(cfg.min_interval, cfg.max_interval.max(cfg.min_interval))
}

/// The interval of a healthy source: its observed rhythm, but never more often than the
/// publisher asks (`<ttl>`, `sy:updatePeriod`), all within `[min_interval, max_interval]`.
pub fn healthy_interval(
    cfg: &ScheduleConfig,
    published: &[i64],
    publisher_interval: Option<i64>,
    now: i64,
) -> i64 {
    let observed = adaptive_interval(cfg, published, now);
    observed
        .max(publisher_interval.unwrap_or(0))
        .clamp(cfg.min_interval, cfg.max_interval.max(cfg.min_interval))
}

/// The delay after `failures` consecutive failures (1 = the first failure).
pub fn backoff(cfg: &ScheduleConfig, failures: u32) -> i64 {
    let exp = failures.saturating_sub(1).min(30);
    cfg.backoff_base
        .saturating_mul(1i64 << exp)
        .min(cfg.backoff_ceiling)
}

/// Add up to `fraction` of `secs` at random, so that sources failing together spread out.
pub fn jittered(secs: i64, fraction: f64) -> i64 {
    let extra = crate::fetch::politeness::jitter(Duration::from_secs_f64(
        secs.max(0) as f64 * fraction.max(0.0),
    ));
    secs + extra.as_secs() as i64
}

/// How one poll of a source ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PollResult {
    /// Fetched and parsed (or 304): `fresh_until` from the server's caching headers.
    Ok { fresh_until: Option<i64> },
    Failed {
        class: FetchErrorClass,
        not_before: Option<i64>,
    },
    /// Failed during an outage: not the source's fault.
    Outage,
}

/// The next poll time and the new consecutive-failure count.
pub fn next_poll(
    cfg: &ScheduleConfig,
    now: i64,
    result: PollResult,
    failures_before: i64,
    interval: i64,
) -> (i64, i64) {
    match result {
        PollResult::Ok { fresh_until } => {
            let mut next = now + jittered(interval, cfg.jitter_fraction);
            if let Some(f) = fresh_until {
                next = next.max(f.min(now + cfg.max_interval));
            }
            (next, 0)
        }
        PollResult::Failed { class, not_before } => {
            let failures = failures_before + 1;
            let mut delay = backoff(cfg, failures.clamp(0, u32::MAX as i64) as u32);
            // Gone, SSRF-blocked and non-http sources will not heal in minutes.
            if matches!(
                class,
                FetchErrorClass::Gone
                    | FetchErrorClass::SsrfBlocked
                    | FetchErrorClass::UnsupportedScheme
                    | FetchErrorClass::NotAFeed
            ) {
                delay = delay.max(cfg.backoff_ceiling / 4);
            }
            let mut next = now + jittered(delay, cfg.jitter_fraction).min(cfg.backoff_ceiling);
            if let Some(nb) = not_before {
                next = next.max(nb.min(now + cfg.backoff_ceiling));
            }
            (next, failures)
        }
        PollResult::Outage => (
            now + jittered(cfg.outage_retry, cfg.jitter_fraction),
            failures_before,
        ),
    }
}

/// The settings with a source's own bounds in place of the site's (a
/// shortest interval above the site's longest moves the longest up to it).
pub fn with_bounds(cfg: &ScheduleConfig, bounds: PollBounds) -> ScheduleConfig {
    let min_interval = bounds.min_secs.unwrap_or(cfg.min_interval);
    let max_interval = bounds
        .max_secs
        .unwrap_or(cfg.max_interval)
        .max(min_interval);
    ScheduleConfig {
        min_interval,
        max_interval,
        ..*cfg
    }
}

/// `next_poll` within a source's own bounds: never sooner than its shortest
/// interval, whatever happened (a retry too), and after a good poll never
/// later than its longest (the jitter stays inside).
pub fn next_poll_bounded(
    cfg: &ScheduleConfig,
    bounds: PollBounds,
    now: i64,
    result: PollResult,
    failures_before: i64,
    interval: i64,
) -> (i64, i64) {
    let cfg = with_bounds(cfg, bounds);
    let (mut next, failures) = next_poll(&cfg, now, result, failures_before, interval);
    if bounds.max_secs.is_some() && matches!(result, PollResult::Ok { .. }) {
        next = next.min(now + cfg.max_interval);
    }
    if bounds.min_secs.is_some() {
        next = next.max(now + cfg.min_interval);
    }
    (next, failures)
}

/// True when every attempt of a pass failed at the network level (DNS, connect): our
/// network is down, not the sources. One or two sources failing alone prove nothing.
pub fn is_outage(attempts: usize, failures: &[FetchErrorClass]) -> bool {
    attempts >= 2 && failures.len() == attempts && failures.iter().all(|c| c.is_network_level())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn busy_sources_are_polled_often_quiet_ones_rarely() {
        let cfg = ScheduleConfig::default();
        // An item every 2 minutes: the minimum.
        let busy: Vec<i64> = (0..50).map(|i| NOW - i * 120).collect();
        assert_eq!(adaptive_interval(&cfg, &busy, NOW), cfg.min_interval);
        // An item an hour: every half hour.
        let hourly: Vec<i64> = (1..=24).map(|i| NOW - i * 3600).collect();
        assert_eq!(adaptive_interval(&cfg, &hourly, NOW), 1800);
        // One item a week: the maximum.
        let weekly = [NOW - 86400, NOW - 8 * 86400];
        assert_eq!(adaptive_interval(&cfg, &weekly, NOW), cfg.max_interval);
        // Unknown rhythm: somewhere within bounds.
        let i = adaptive_interval(&cfg, &[], NOW);
        assert!((cfg.min_interval..=cfg.max_interval).contains(&i));
        // Future-dated items do not make a source look busy.
        assert_eq!(
            adaptive_interval(&cfg, &[NOW + 10, NOW + 20, NOW + 30], NOW),
            i
        );
    }

    #[test]
    fn backoff_doubles_to_the_ceiling_and_stays_there() {
        let cfg = ScheduleConfig::default();
        assert_eq!(backoff(&cfg, 1), 300);
        assert_eq!(backoff(&cfg, 2), 600);
        assert_eq!(backoff(&cfg, 3), 1200);
        assert_eq!(backoff(&cfg, 20), cfg.backoff_ceiling);
        assert_eq!(backoff(&cfg, u32::MAX), cfg.backoff_ceiling);
        // Never dropped: however many failures, the next poll is at most a ceiling away.
        let (next, f) = next_poll(
            &cfg,
            NOW,
            PollResult::Failed {
                class: FetchErrorClass::Http5xx,
                not_before: None,
            },
            1000,
            600,
        );
        assert_eq!(f, 1001);
        assert!(next > NOW && next <= NOW + cfg.backoff_ceiling);
    }

    #[test]
    fn jitter_spreads_retries() {
        let cfg = ScheduleConfig::default();
        let times: std::collections::HashSet<i64> = (0..50)
            .map(|_| {
                next_poll(
                    &cfg,
                    NOW,
                    PollResult::Failed {
                        class: FetchErrorClass::Timeout,
                        not_before: None,
                    },
                    3,
                    600,
                )
                .0
            })
            .collect();
        assert!(times.len() > 10, "{}", times.len());
        for t in times {
            assert!((NOW + 2400..=NOW + 2640).contains(&t));
        }
    }

    #[test]
    fn retry_after_and_max_age_are_honoured() {
        let cfg = ScheduleConfig::default();
        let (next, _) = next_poll(
            &cfg,
            NOW,
            PollResult::Failed {
                class: FetchErrorClass::RateLimited,
                not_before: Some(NOW + 7200),
            },
            0,
            600,
        );
        assert!(next >= NOW + 7200);
        // Capped at the ceiling.
        let (next, _) = next_poll(
            &cfg,
            NOW,
            PollResult::Failed {
                class: FetchErrorClass::RateLimited,
                not_before: Some(NOW + 86400 * 30),
            },
            0,
            600,
        );
        assert_eq!(next, NOW + cfg.backoff_ceiling);
        let (next, f) = next_poll(
            &cfg,
            NOW,
            PollResult::Ok {
                fresh_until: Some(NOW + 3600),
            },
            4,
            600,
        );
        assert_eq!((next, f), (NOW + 3600, 0));
        // max-age never pulls a poll earlier than the interval.
        let (next, _) = next_poll(
            &cfg,
            NOW,
            PollResult::Ok {
                fresh_until: Some(NOW + 10),
            },
            0,
            600,
        );
        assert!(next >= NOW + 600);
    }

    #[test]
    fn publisher_hints_within_the_settings_bounds() {
        let cfg = ScheduleConfig {
            min_interval: 60,
            max_interval: 7200,
            jitter_fraction: 0.0,
            ..ScheduleConfig::default()
        };
        // An item every 2 minutes asks for the minimum...
        let busy: Vec<i64> = (0..50).map(|i| NOW - i * 120).collect();
        assert_eq!(healthy_interval(&cfg, &busy, None, NOW), 60);
        // ...but a <ttl> of 30 minutes (or sy:updatePeriod) means no more often than that.
        assert_eq!(healthy_interval(&cfg, &busy, Some(1800), NOW), 1800);
        // A day's ttl stops at the maximum; a tiny one changes nothing.
        assert_eq!(healthy_interval(&cfg, &busy, Some(86400), NOW), 7200);
        assert_eq!(healthy_interval(&cfg, &busy, Some(5), NOW), 60);
        // Cache-Control max-age pushes the poll later, up to the maximum, never earlier.
        let ok = |fresh| PollResult::Ok { fresh_until: fresh };
        assert_eq!(
            next_poll(&cfg, NOW, ok(Some(NOW + 3000)), 0, 60).0,
            NOW + 3000
        );
        assert_eq!(
            next_poll(&cfg, NOW, ok(Some(NOW + 99_999)), 0, 60).0,
            NOW + 7200
        );
        assert_eq!(next_poll(&cfg, NOW, ok(Some(NOW + 10)), 0, 60).0, NOW + 60);
        // A minimum above the maximum is read as both.
        let odd = ScheduleConfig {
            min_interval: 600,
            max_interval: 300,
            ..cfg
        };
        assert_eq!(healthy_interval(&odd, &busy, Some(86400), NOW), 600);
    }

    #[test]
    fn a_sources_own_bounds_win() {
        let cfg = ScheduleConfig::default();
        let ok = PollResult::Ok { fresh_until: None };
        let busy: Vec<i64> = (0..50).map(|i| NOW - i * 120).collect();
        let weekly = [NOW - 86400, NOW - 8 * 86400];
        let bounds = |min, max| PollBounds::new(min, max).unwrap();
        for _ in 0..50 {
            // A busy source held to every two hours at most.
            let b = bounds(Some(7200), None);
            let i = healthy_interval(&with_bounds(&cfg, b), &busy, None, NOW);
            let (next, _) = next_poll_bounded(&cfg, b, NOW, ok, 0, i);
            assert!((NOW + 7200..=NOW + 7920).contains(&next), "{}", next - NOW);
            // A quiet one polled at least every 20 minutes, jitter and max-age included.
            let b = bounds(None, Some(1200));
            let i = healthy_interval(&with_bounds(&cfg, b), &weekly, None, NOW);
            let fresh = PollResult::Ok {
                fresh_until: Some(NOW + 5000),
            };
            let (next, _) = next_poll_bounded(&cfg, b, NOW, fresh, 0, i);
            assert!(
                (NOW + cfg.min_interval..=NOW + 1200).contains(&next),
                "{}",
                next - NOW
            );
            // A failing source is not retried sooner than its shortest interval...
            let b = bounds(Some(3600), Some(3600));
            let failed = PollResult::Failed {
                class: FetchErrorClass::Timeout,
                not_before: None,
            };
            let (next, f) = next_poll_bounded(&cfg, b, NOW, failed, 0, 3600);
            assert_eq!((next, f), (NOW + 3600, 1));
            // ...but backs off past its longest, as every failing source does.
            let (next, _) = next_poll_bounded(&cfg, b, NOW, failed, 8, 3600);
            assert!(next > NOW + 3600 * 4, "{}", next - NOW);
        }
        // Without bounds, the site's settings as before.
        let i = healthy_interval(&cfg, &busy, None, NOW);
        let (next, _) = next_poll_bounded(&cfg, PollBounds::default(), NOW, ok, 0, i);
        assert!((NOW + cfg.min_interval..=NOW + cfg.min_interval * 11 / 10).contains(&next));
        // A shortest interval above the site's longest moves the longest.
        let c = with_bounds(&cfg, bounds(Some(cfg.max_interval * 2), None));
        assert_eq!(
            (c.min_interval, c.max_interval),
            (cfg.max_interval * 2, cfg.max_interval * 2)
        );
    }

    #[test]
    fn outages_do_not_penalise() {
        use FetchErrorClass::*;
        assert!(is_outage(3, &[Dns, Connect, Dns]));
        assert!(!is_outage(3, &[Dns, Connect]));
        assert!(!is_outage(3, &[Dns, Timeout, Dns]));
        assert!(!is_outage(1, &[Dns]));
        let cfg = ScheduleConfig::default();
        let (next, f) = next_poll(&cfg, NOW, PollResult::Outage, 2, 600);
        assert_eq!(f, 2);
        assert!(next <= NOW + cfg.outage_retry * 2);
    }
}
