//! Static files: the demo and test pages from `www/`, the built plugin from `dist/` at
//! `/dist/`, recorded payloads from `tests/fixtures/` at `/fixtures/`.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Roots {
    pub www: PathBuf,
    pub dist: PathBuf,
    pub fixtures: PathBuf,
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Resolves a request path below a root, refusing anything that climbs out of it.
fn below(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

pub async fn serve(roots: Roots, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let file = if let Some(rest) = path.strip_prefix("dist/") {
        below(&roots.dist, rest)
    } else if let Some(rest) = path.strip_prefix("fixtures/") {
        below(&roots.fixtures, rest)
    } else {
        below(&roots.www, path)
    };
    let Some(file) = file else { return (StatusCode::BAD_REQUEST, "bad path").into_response() };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file)), (header::CACHE_CONTROL, "no-store")], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, format!("not found: /{path}")).into_response(),
    }
}
