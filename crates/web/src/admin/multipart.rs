//! `multipart/form-data` bodies (the admin's file uploads), read from the
//! bytes the guard already took in and bounded: the CSRF token is found in
//! them before the handler reads its file.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};

/// Parts beyond these are refused: an upload form has a token, a file and an option or two.
const MAX_PARTS: usize = 8;

pub struct Part {
    pub name: String,
    pub data: Bytes,
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Every part of the body, or why it cannot be read.
pub async fn parts(headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| "The upload is not a multipart form.".to_string())?;
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(out),
            Err(e) => return Err(format!("The upload could not be read ({e}).")),
        };
        if out.len() == MAX_PARTS {
            return Err(format!("An upload may have at most {MAX_PARTS} fields."));
        }
        let name = field.name().unwrap_or("").to_string();
        let data = field
            .bytes()
            .await
            .map_err(|e| format!("The upload could not be read ({e})."))?;
        out.push(Part { name, data });
    }
}

/// The one `csrf` part of a multipart body, as `csrf::form_token` finds it in a form.
pub async fn token(headers: &HeaderMap, body: Bytes) -> Option<String> {
    let parts = parts(headers, body).await.ok()?;
    String::from_utf8(field(&parts, super::csrf::FIELD)?.to_vec()).ok()
}

/// The named part's bytes, if the body has exactly one.
pub fn field<'a>(parts: &'a [Part], name: &str) -> Option<&'a Bytes> {
    let mut found = parts.iter().filter(|p| p.name == name);
    let one = found.next()?;
    found.next().is_none().then_some(&one.data)
}
