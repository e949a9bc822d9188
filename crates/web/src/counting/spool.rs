//! The unflushed-views file: views the database did not take at shutdown,
//! saved so the next start writes them.

use super::Batch;
use crate::state::AppState;

/// Queues the views an earlier run could not write. The file stays until
/// they are confirmed, so a crash before that replays them again, and the
/// store skips batches it already has.
pub(super) fn restore_unflushed(state: &AppState) -> bool {
    let Some(path) = &state.cfg.unflushed_views_file else {
        return false;
    };
    let raw = match std::fs::read(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return false,
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "cannot read unflushed views");
            return false;
        }
    };
    match serde_json::from_slice::<Vec<Batch>>(&raw) {
        Ok(batches) => {
            let views: i64 = batches
                .iter()
                .flat_map(|b| b.views.iter().map(|v| v.2))
                .sum();
            tracing::info!(file = %path.display(), batches = batches.len(), views, "replaying views saved at the last shutdown");
            state.counter.restore(batches);
            true
        }
        Err(e) => {
            // Kept aside, not deleted: an operator may still want it.
            let aside = path.with_extension("json.unreadable");
            let _ = std::fs::rename(path, &aside);
            tracing::error!(file = %aside.display(), error = %e, "unflushed views file is not readable; moved aside");
            false
        }
    }
}

pub(super) fn forget_unflushed(state: &AppState) {
    if let Some(path) = &state.cfg.unflushed_views_file
        && let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(file = %path.display(), error = %e, "cannot remove the unflushed views file");
    }
}

/// Written to a temporary file and renamed, so a crash mid-write leaves the
/// previous file whole.
pub(super) fn save_unflushed(path: &std::path::Path, batches: &[Batch]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::to_vec(batches).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
