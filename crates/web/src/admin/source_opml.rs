//! OPML: every source as a download (`/admin/sources.opml`), and adding
//! sources from an uploaded file (`/admin/sources/import`), through the same
//! calls as `newsroom export-opml` and `newsroom import-opml`.

use super::Admin;
use super::layout::Layout;
use super::multipart;
use super::session::{AdminOnly, Authed};
use crate::error::{WebError, WebResult};
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use newsroom_core::FullTextMode;
use newsroom_ingest::IngestError;
use newsroom_ingest::commands::ImportReport;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    l: Layout,
    report: Option<ImportReport>,
}

fn store_error(e: IngestError) -> WebError {
    match e {
        IngestError::Store(e) => e.into(),
        other => WebError::BadRequest(other.to_string()),
    }
}

pub async fn export(State(st): State<Admin>, _who: Authed) -> WebResult<Response> {
    let xml = newsroom_ingest::commands::export_opml(&*st.site.store, &st.site.cfg.name)
        .await
        .map_err(store_error)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/x-opml; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"sources.opml\""),
            ),
        ],
        xml,
    )
        .into_response())
}

/// The upload's file and options, or why they cannot be used.
async fn upload(headers: &HeaderMap, body: Bytes) -> Result<(Bytes, FullTextMode), String> {
    if !multipart::is_multipart(headers) {
        return Err("Send the file with the import form (a multipart upload).".into());
    }
    let parts = multipart::parts(headers, body).await?;
    let file = multipart::field(&parts, "opml")
        .filter(|f| !f.is_empty())
        .ok_or("Choose an OPML file to import.")?;
    let full_text = match multipart::field(&parts, "full_text")
        .map(|b| String::from_utf8_lossy(b).trim().to_string())
    {
        None => FullTextMode::Auto,
        Some(v) if v.is_empty() => FullTextMode::Auto,
        Some(v) => FullTextMode::parse(&v).ok_or("Full text must be auto, always or never.")?,
    };
    Ok((file.clone(), full_text))
}

/// Adds every feed of the uploaded file; the page lists what was added,
/// skipped and refused (each refused outline with its reason).
pub async fn import(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    let adder = st.site.source_adder.as_ref().ok_or_else(|| {
        WebError::Unavailable("this node was started without a fetcher for new sources".into())
    })?;
    let mut l = Layout::new(&st.site.cfg.name, &who, "sources");
    let result = match upload(&headers, body).await {
        Ok((file, full_text)) => match adder
            .import_opml(&*st.site.store, &file, full_text, &who.user.name)
            .await
        {
            Ok(report) => Ok(report),
            Err(IngestError::Store(e)) => return Err(e.into()),
            Err(IngestError::Opml(e)) => Err(format!("This file cannot be imported: {e}.")),
            Err(e) => Err(format!("This file cannot be imported: {e}.")),
        },
        Err(why) => Err(why),
    };
    let (status, report) = match result {
        Ok(report) => {
            tracing::info!(user = %who.user.name, added = report.added, skipped = report.already_there,
                refused = report.rejected.len(), "admin: OPML imported");
            (StatusCode::OK, Some(report))
        }
        Err(why) => {
            l.error = why;
            (StatusCode::BAD_REQUEST, None)
        }
    };
    let page = ImportPage { l, report };
    Ok((status, Html(page.render()?)).into_response())
}
