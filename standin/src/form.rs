//! Request bodies as GMS receives them: `application/x-www-form-urlencoded` (with or
//! without charset; bracket keys percent-encoded or literal) and `multipart/form-data`.
//! Written independently of the plugin's encoder, on purpose.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use std::collections::BTreeMap;

/// The most an upload route reads of a body (its `DefaultBodyLimit`). Files up to here are
/// read to the end (and refused as too big when over the transport's limit); a body past it
/// is cut short and refused as too big without reading the rest.
pub const UPLOAD_BODY_CAP: usize = 64 * 1024 * 1024;
/// The most kept of a file part: above every advertised limit, so an accepted file is kept
/// whole, while the rest of a bigger one is only counted ([`Part::size`]).
pub const KEEP_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most kept of a text field of a multipart body; a longer one makes the body unreadable.
const MAX_FIELD_BYTES: usize = 1024 * 1024;

/// The fields of a form, in order; `userData[...]` keys are also collected apart.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub user_data: BTreeMap<String, String>,
    pub content_type: String,
    /// Multipart file parts, in order.
    pub files: Vec<Part>,
    /// The body went past [`UPLOAD_BODY_CAP`] and was not read to its end.
    pub cut_short: bool,
}

/// A file part of a multipart body.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Part {
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    /// The part's size in bytes, all of it counted even where `data` holds less.
    pub size: usize,
    /// Its bytes, at most [`KEEP_FILE_BYTES`] of them.
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn push(&mut self, key: String, value: String) {
        if let Some(inner) = key.strip_prefix("userData[").and_then(|k| k.strip_suffix(']')) {
            self.user_data.insert(inner.to_owned(), value.clone());
        }
        self.fields.push((key, value));
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding with `+` as space, as HTML forms encode.
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_urlencoded(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// Reads the body of a GMS request whatever its encoding.
pub async fn read(req: Request) -> Result<Form, String> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut form = Form { content_type: content_type.clone(), ..Default::default() };
    if content_type.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &()).await.map_err(|e| format!("bad multipart body: {e}"))?;
        loop {
            let mut field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    form.cut_short = true;
                    break;
                }
                Err(e) => return Err(format!("bad multipart field: {e}")),
            };
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let part_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let keep = if file_name.is_some() { KEEP_FILE_BYTES } else { MAX_FIELD_BYTES };
            // Read piece by piece: a file over the limit is counted, not kept.
            let mut data = Vec::new();
            let mut size = 0usize;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        size = size.saturating_add(chunk.len());
                        let room = keep.saturating_sub(data.len());
                        data.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        form.cut_short = true;
                        break;
                    }
                    Err(e) => return Err(format!("bad multipart data: {e}")),
                }
            }
            match file_name {
                Some(f) => form.files.push(Part { field: name, file_name: f, content_type: part_type, size, data }),
                None if size > MAX_FIELD_BYTES => return Err(format!("the field {name} is longer than {MAX_FIELD_BYTES} bytes")),
                None => form.push(name, String::from_utf8_lossy(&data).into_owned()),
            }
            if form.cut_short {
                break;
            }
        }
        return Ok(form);
    }
    let body = Bytes::from_request(req, &()).await.map_err(|e| format!("unreadable body: {e}"))?;
    let text = String::from_utf8_lossy(&body);
    for (k, v) in parse_urlencoded(&text) {
        form.push(k, v);
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bracket_encodings_decode_to_the_same_key() {
        let a = parse_urlencoded("userData%5Bk%5D=a+b&x=%C3%A4");
        let b = parse_urlencoded("userData[k]=a%20b&x=ä");
        assert_eq!(a, b);
        assert_eq!(a[0], ("userData[k]".to_owned(), "a b".to_owned()));
    }

    #[test]
    fn truncated_escapes_are_kept_literally() {
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%4"), "%4");
    }
}
