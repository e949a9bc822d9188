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
    /// Database URL: sqlite:///path/site.db, sqlite::memory: or postgres://user:PASSWORD@host/db
    /// (logs and errors show it as postgres://user:***@host/db).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// The name changes are recorded under in the audit log (`newsroom audit`);
    /// `cli:$USER` when not given.
    #[arg(long = "as", global = true, value_name = "NAME", env = "NEWSROOM_AS")]
    pub actor: Option<String>,
}

impl Global {
    /// Who the audit log says made a change from this command line.
    pub fn actor(&self) -> String {
        match &self.actor {
            Some(name) if !name.trim().is_empty() => name.trim().chars().take(64).collect(),
            _ => format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            ),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the site (and, with role all or worker, run background work).
    Serve(ServeArgs),
    /// Extract the article from an HTML page and print it as JSON.
    Extract(ExtractArgs),
    /// Look at feeds the way newsroom reads them.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Cluster a JSON-lines stream of articles into stories, online, in file order.
    Cluster(ClusterArgs),
    /// Manage the sources newsroom polls.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Poll sources now: one pass with --once (or --source), else keep polling due sources until Ctrl-C.
    Fetch(FetchArgs),
    /// Add every feed of an OPML file as a source (folders become sections).
    ImportOpml(ImportOpmlArgs),
    /// Write every source as OPML (sections become folders).
    ExportOpml(ExportOpmlArgs),
    /// Copy a whole site to another database (e.g. SQLite to PostgreSQL), ids and counts included.
    Copy(CopyArgs),
    /// Bring the database schema up to date (and seal stored bodies that have no seal of this
    /// version's sanitiser), then exit.
    Migrate,
    /// Fill a database with a synthetic site of N articles (no network), to try the site at scale.
    /// Without --database, it uses the SQLite file `serve --demo` serves (server.data_dir/demo.db).
    Demo(DemoArgs),
    /// Manage the accounts that can sign in to the admin area (/admin/).
    #[command(subcommand)]
    User(UserCommand),
    /// Print the audit log: who changed what and when, newest first.
    Audit(AuditArgs),
    /// Editors' decisions about stories (recorded in the audit log as `--as NAME`).
    #[command(subcommand)]
    Story(StoryCommand),
}

#[derive(Subcommand, Debug)]
pub enum StoryCommand {
    /// The other stories' articles join TARGET; their pages redirect to it.
    Merge {
        target: i64,
        #[arg(required = true)]
        others: Vec<i64>,
    },
    /// The article leaves its story and stands alone, or starts a new story with --with.
    Split {
        article: i64,
        /// Other articles that go with it into the new story.
        #[arg(long = "with", value_name = "ARTICLE")]
        with: Vec<i64>,
    },
    /// The story leads the home page and its section (until TIME: RFC 3339 or UTC seconds).
    Pin {
        story: i64,
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
    Unpin {
        story: i64,
    },
    /// Give the story a title of its own, kept as articles join.
    Retitle {
        story: i64,
        title: String,
    },
    /// The article (a member) leads the story.
    Lead {
        story: i64,
        article: i64,
    },
    /// Take the story off the site.
    Hide {
        story: i64,
    },
    /// Put a hidden story back.
    Unhide {
        story: i64,
    },
    /// The story's members, sources and times, and the editors' settings.
    Show {
        story: i64,
        /// As one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// `newsroom audit`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// At most this many rows.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub limit: i64,
    /// One JSON object per line, with the full before and after.
    #[arg(long)]
    pub json: bool,
    /// Only this user's changes.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Only this kind of action (e.g. `source.remove`, `story.merge`).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only changes to this object: `KIND` or `KIND:ID` (e.g. `story:12`).
    #[arg(long, value_name = "KIND[:ID]")]
    pub object: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Deletes the rows recorded before TIME (RFC 3339 or UTC seconds); the
    /// pruning itself is recorded, under --as.
    Prune {
        #[arg(long, value_name = "TIME")]
        before: String,
    },
}

/// `newsroom copy`.
#[derive(Args, Debug)]
pub struct CopyArgs {
    /// The site to copy: sqlite:///path/site.db or postgres://user:pass@host/db.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// Where to copy it. Must be empty, unless --force; its migrations are run first.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Delete every row in the target before copying (a target that has content is refused otherwise).
    #[arg(long)]
    pub force: bool,
}

/// `newsroom demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many articles to write.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub articles: u32,
    /// Delete everything in the database first (a database with content is refused otherwise).
    #[arg(long)]
    pub force: bool,
    /// The same seed writes the same site.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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

#[derive(Subcommand, Debug)]
pub enum FeedCommand {
    /// Print what newsroom reads from one feed file (RSS, Atom, JSON Feed) as JSON: format,
    /// title, site link, and per item guid, link, title, published, updated, summary,
    /// content, image, video and author.
    Parse(FeedParseArgs),
}

#[derive(Args, Debug)]
pub struct FeedParseArgs {
    /// The feed's URL, to resolve relative links.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Charset from the HTTP Content-Type header, if known.
    #[arg(long, value_name = "CHARSET")]
    pub charset: Option<String>,
    /// IANA time zone for dates that name none (default: site.time_zone).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// The feed file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
}

#[derive(Args, Debug)]
pub struct ClusterArgs {
    /// JSON lines: {"id", "title", "text"?, "url"?, "source"?, "published" (RFC 3339)}; - for standard input.
    #[arg(long, value_name = "FILE.jsonl")]
    pub input: String,
    /// How far back a new article looks for its story, in hours: a story takes articles for this long after its first one.
    #[arg(long, value_name = "H", default_value_t = 23.0)]
    pub window_hours: f64,
    /// Thread horizon: a developing story (thread) quiet for longer than this closes, in days.
    #[arg(long, value_name = "D", default_value_t = 14.0)]
    pub thread_days: f64,
}

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Add a feed URL, or a site URL whose feed is discovered (<link rel="alternate">, usual paths).
    Add {
        url: String,
        /// Section (slug or name) the source's articles go to; created if missing.
        #[arg(long)]
        section: Option<String>,
        /// Fetch each item's page for its full text.
        #[arg(long, value_enum, default_value_t = FullText::Auto)]
        full_text: FullText,
    },
    /// Every source with health, last success, last error class, next poll and article count.
    List,
    /// Remove a source and its articles (their view history stays).
    Remove { id: i64 },
    /// Stop polling a source, keeping its articles.
    Disable { id: i64 },
    /// Poll a disabled source again.
    Enable { id: i64 },
    /// Add every feed of an OPML file (the same as `newsroom import-opml`).
    Import(ImportOpmlArgs),
    /// Write every source as OPML (the same as `newsroom export-opml`).
    Export(ExportOpmlArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullText {
    /// Only when the feed carries a summary rather than the article.
    Auto,
    Always,
    Never,
}

impl From<FullText> for newsroom_core::FullTextMode {
    fn from(f: FullText) -> Self {
        match f {
            FullText::Auto => newsroom_core::FullTextMode::Auto,
            FullText::Always => newsroom_core::FullTextMode::Always,
            FullText::Never => newsroom_core::FullTextMode::Never,
        }
    }
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// Only this source (polled even if not due).
    #[arg(long, value_name = "ID")]
    pub source: Option<i64>,
    /// One pass over every enabled source, due or not, then exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Args, Debug)]
pub struct ImportOpmlArgs {
    pub file: PathBuf,
    /// Full-text mode for the new sources.
    #[arg(long, value_enum, default_value_t = FullText::Auto)]
    pub full_text: FullText,
}

#[derive(Args, Debug)]
pub struct ExportOpmlArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is the first line of standard input,
    /// or, at a terminal, asked for twice without echo.
    Add {
        /// Letters a-z, digits, '.', '_' or '-' (stored in lower case).
        name: String,
        /// admin: everything; editor: hide and unhide articles only.
        #[arg(long, value_enum, default_value_t = UserRoleArg::Editor)]
        role: UserRoleArg,
    },
    /// Every account with its role.
    List,
    /// Remove an account; every browser it signed in is signed out at once.
    Remove { name: String },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRoleArg {
    Admin,
    Editor,
}

impl From<UserRoleArg> for newsroom_store::UserRole {
    fn from(r: UserRoleArg) -> Self {
        match r {
            UserRoleArg::Admin => newsroom_store::UserRole::Admin,
            UserRoleArg::Editor => newsroom_store::UserRole::Editor,
        }
    }
}
