#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod config;
mod demo;
mod metrics;

use clap::Parser;

// glibc's malloc showed as about a sixth of the server's CPU on cached pages
// (docs/PERFORMANCE.md, "The hot article page"): many small, short-lived
// allocations across threads, which mimalloc's per-thread pages serve cheaper.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let json = log_format(&cli.global) == config::LogFormat::Json;
    init_tracing(json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if json {
                // Every line a JSON logger writes must parse, the last one too.
                tracing::error!(error = format!("{e:#}"), "stopped on an error");
            } else {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// `log.format` (or `NEWSROOM_LOG_FORMAT`), read before anything logs. A
/// settings file that does not load is reported by the command itself.
fn log_format(global: &cli::Global) -> config::LogFormat {
    match config::Config::load(global.config.as_deref()) {
        Ok(c) => c.log.format,
        Err(_) if std::env::var("NEWSROOM_LOG_FORMAT").is_ok_and(|v| v.trim() == "json") => {
            config::LogFormat::Json
        }
        Err(_) => config::LogFormat::Text,
    }
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEWSROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        // The same events and fields as the text form, one JSON object a line.
        fmt.json().try_init()
    } else {
        fmt.try_init()
    };
}
