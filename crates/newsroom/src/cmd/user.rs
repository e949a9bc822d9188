//! `newsroom user add|list|remove`: admin area accounts. Made here, on the
//! server, rather than in the admin area, so a stolen session cannot make
//! itself a lasting account.

use crate::cli::{Global, UserCommand};
use crate::cmd::{ingest, load_config};
use anyhow::{Context, Result, bail};
use newsroom_store::NewAudit;
use newsroom_web::admin::accounts;
use std::io::{BufRead, IsTerminal, Read};

pub async fn run(global: &Global, cmd: UserCommand) -> Result<()> {
    let cfg = load_config(global)?;
    match cmd {
        UserCommand::Add { name, role } => {
            let name = accounts::normalize_name(&name)?;
            let password = read_password(&name)?;
            accounts::check_new_password(&password)?;
            let store = ingest::open_store(&cfg).await?;
            if store.user_by_name(&name).await?.is_some() {
                bail!("a user named {name} already exists (remove it first to replace it)");
            }
            let hash = tokio::task::spawn_blocking(move || accounts::hash_password(&password))
                .await
                .context("hashing the password")??;
            let role: newsroom_store::UserRole = role.into();
            let at = newsroom_web::state::now();
            let user = store.add_user(&name, &hash, role, at).await?;
            store
                .append_audit(
                    &NewAudit::new(&global.actor(), "user.add", "user", user.id, at)
                        .before(None::<&serde_json::Value>)
                        .after(Some(&account(&user))),
                )
                .await?;
            println!("added {} {name}", role.as_str());
        }
        UserCommand::List => {
            let store = ingest::open_store(&cfg).await?;
            let users = store.list_users().await?;
            if users.is_empty() {
                println!("no users yet: add one with `newsroom user add NAME --role admin`");
                return Ok(());
            }
            println!("{:<24} {:<7} CREATED", "NAME", "ROLE");
            for u in users {
                println!(
                    "{:<24} {:<7} {}",
                    u.name,
                    u.role.as_str(),
                    jiff::Timestamp::from_second(u.created_at)
                        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default()
                );
            }
        }
        UserCommand::Remove { name } => {
            let name = accounts::normalize_name(&name)?;
            let store = ingest::open_store(&cfg).await?;
            let Some(user) = store.user_by_name(&name).await? else {
                bail!("no user named {name}");
            };
            if !store.remove_user(&name).await? {
                bail!("no user named {name}");
            }
            store
                .append_audit(
                    &NewAudit::new(
                        &global.actor(),
                        "user.remove",
                        "user",
                        user.id,
                        newsroom_web::state::now(),
                    )
                    .before(Some(&account(&user)))
                    .after(None::<&serde_json::Value>),
                )
                .await?;
            println!("removed {name}; it is signed out everywhere");
        }
    }
    Ok(())
}

/// What the audit log keeps of an account: never its password hash.
fn account(u: &newsroom_store::User) -> serde_json::Value {
    serde_json::json!({ "name": u.name, "role": u.role.as_str(), "created_at": u.created_at })
}

/// At a terminal, asks twice without echo; otherwise takes the first line
/// of standard input, so scripts can pipe it in (never as an argument,
/// where `ps` and shell history would show it).
fn read_password(name: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {name}: "))
            .context("reading the password")?;
        let again = rpassword::prompt_password("Again: ").context("reading the password")?;
        if first != again {
            bail!("the passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(accounts::MAX_PASSWORD_BYTES as u64 + 2)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password.to_string())
}
