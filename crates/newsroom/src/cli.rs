//! The command line: every command and flag, with its help text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "newsroom",
    version,
    about = "A self-hosted news portal engine: ingest, understand and serve the news."
)]
#[command(
    long_about = "newsroom polls news sources (RSS, Atom, JSON Feed, plain sites), extracts full text, \
folds duplicates, clusters stories and serves a fast news site with live view counts.\n\n\
Settings come from a TOML file (--config), then NEWSROOM_* environment variables \
(e.g. NEWSROOM_SITE__TIME_ZONE=Europe/Kyiv, NEWSROOM_DATABASE_URL=postgres://...), then flags."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// TOML settings file.
    #[arg(long, global = true, value_name = "FILE", env = "NEWSROOM_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite:///path/site.db, sqlite::memory: or postgres://user:pass@host/db.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the site (and, with role all or worker, run background work).
    Serve(ServeArgs),
    /// Extract the article from an HTML page and print it as JSON.
    Extract(ExtractArgs),
    /// Cluster a JSON-lines stream of articles into stories, online, in file order.
    Cluster(ClusterArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080 (overrides server.listen).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Fill the database with demo content (no network needed) unless it already has content.
    /// Without --database, the demo uses an SQLite file in the data folder (server.data_dir).
    #[arg(long)]
    pub demo: bool,
    /// What this node does: serve pages (web), run background jobs (worker), or both.
    #[arg(long, value_enum, default_value_t = Role::All)]
    pub role: Role,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    All,
    Web,
    Worker,
}

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The page's URL, to resolve relative links and images.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Charset from the HTTP Content-Type header, if known.
    #[arg(long, value_name = "CHARSET")]
    pub charset: Option<String>,
    /// A JSON-lines file of {"path": ..., "url": ...}; prints one JSON object per line, with "path" added.
    #[arg(long, value_name = "LIST.jsonl", conflicts_with = "file")]
    pub batch: Option<PathBuf>,
    /// The HTML file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<String>,
}

#[derive(Args, Debug)]
pub struct ClusterArgs {
    /// JSON lines: {"id", "title", "text"?, "url"?, "source"?, "published" (RFC 3339)}; - for standard input.
    #[arg(long, value_name = "FILE.jsonl")]
    pub input: String,
    /// How far back a new article looks for its story, in hours.
    #[arg(long, value_name = "H", default_value_t = 36.0)]
    pub window_hours: f64,
}
