//! Static files: the demo and test pages from `www/`, the built plugin from `dist/` at
//! `/dist/`, recorded payloads from `tests/fixtures/` at `/fixtures/`.
//!
//! A page asked for with `csp=1` in its query (`/?csp=1`, `/?transport=guest&csp=1`) comes
//! with the [`CSP`] header and, first in its `<head>`, `/test/csp-watch.js`, which records
//! every `securitypolicyviolation` in `window.cspViolations` (tests/csp.rs).

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

/// The Content-Security-Policy of `csp=1` pages, the one the README asks integrators to
/// allow: scripts only from files of the site plus WebAssembly compilation, requests (the
/// `.wasm` and the stand-in's backends, its WebSocket included) only to the site, styles
/// only from files. No 'unsafe-inline', no 'unsafe-eval'.
pub const CSP: &str = "script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'";

/// What a `csp=1` page loads before anything else.
const CSP_WATCH: &[u8] = b"<script src=\"/test/csp-watch.js\"></script>";

fn wants_csp(uri: &Uri) -> bool {
    uri.query().is_some_and(|q| q.split('&').any(|p| p == "csp=1"))
}

/// `page` with [`CSP_WATCH`] first in its head (after `<head>`, else after the doctype).
fn with_watch(page: &[u8]) -> Vec<u8> {
    let lower = page.to_ascii_lowercase();
    let at = match lower.windows(6).position(|w| w == b"<head>") {
        Some(i) => i + 6,
        None if lower.starts_with(b"<!doctype") => lower.iter().position(|&b| b == b'>').map_or(0, |i| i + 1),
        None => 0,
    };
    let mut out = Vec::with_capacity(page.len() + CSP_WATCH.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(CSP_WATCH);
    out.extend_from_slice(&page[at..]);
    out
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
        Ok(bytes) if wants_csp(&uri) && content_type(&file).starts_with("text/html") => {
            let headers = [(header::CONTENT_TYPE, content_type(&file)), (header::CACHE_CONTROL, "no-store"), (header::CONTENT_SECURITY_POLICY, CSP)];
            (headers, with_watch(&bytes)).into_response()
        }
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file)), (header::CACHE_CONTROL, "no-store")], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, format!("not found: /{path}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The watcher goes right after `<head>`, or after the doctype of a page without one.
    #[test]
    fn the_watcher_comes_first() {
        let watched = |p: &str| String::from_utf8(with_watch(p.as_bytes())).unwrap_or_default();
        assert_eq!(watched("<!doctype html><HTML><HEAD><title>x</title>"), format!("<!doctype html><HTML><HEAD>{}<title>x</title>", String::from_utf8_lossy(CSP_WATCH)));
        assert_eq!(watched("<!doctype html>\n<meta charset=utf-8>"), format!("<!doctype html>{}\n<meta charset=utf-8>", String::from_utf8_lossy(CSP_WATCH)));
    }
}
