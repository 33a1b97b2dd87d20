//! `fetch` with the shipped request semantics: `ajaxTimeout` enforced by aborting,
//! `xhrFields.withCredentials` mapped to the credentials mode, answers of any status
//! returned as they are, no answer reported as a network error or a timeout.

use crate::engine::output::{Body, HttpRequest, HttpResponse, NetError, ReadBody};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestCredentials, RequestInit, RequestMode, Response};

/// Sends `req`; `file` is the File of its multipart or file body, when it has one.
pub async fn send(req: HttpRequest, file: Option<web_sys::File>) -> Result<HttpResponse, NetError> {
    let window = web_sys::window().ok_or_else(|| NetError::Network("no window".into()))?;
    let init = RequestInit::new();
    init.set_method(req.method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(if req.with_credentials { RequestCredentials::Include } else { RequestCredentials::SameOrigin });
    let headers = Headers::new().map_err(|e| NetError::Network(describe(&e)))?;
    for (k, v) in &req.headers {
        let _ = headers.append(k, v);
    }
    match &req.body {
        Body::None => {}
        Body::Form(fields) => init.set_body(&JsValue::from_str(&Body::form_encoded(fields))),
        Body::Json(s) => init.set_body(&JsValue::from_str(s)),
        Body::File(_) => {
            if let Some(f) = &file {
                init.set_body(f);
            }
        }
        Body::Multipart { fields, .. } => {
            let form = web_sys::FormData::new().map_err(|e| NetError::Network(describe(&e)))?;
            if let Some(f) = &file {
                // As `FormData.append("file", file)`: the part is named after the File.
                let _ = form.append_with_blob("file", f);
            }
            for (k, v) in fields {
                let _ = form.append_with_str(k, v);
            }
            init.set_body(&form);
        }
    }
    init.set_headers(&headers);
    let controller = AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let timed_out = Rc::new(Cell::new(false));
    let _timer = (req.timeout_ms > 0).then(|| {
        let flag = timed_out.clone();
        let c = controller.clone();
        gloo_timers::callback::Timeout::new(req.timeout_ms.min(2_147_483_647) as u32, move || {
            flag.set(true);
            if let Some(c) = c {
                c.abort();
            }
        })
    });
    let outcome = async {
        let resp = JsFuture::from(window.fetch_with_str_and_init(&req.url, &init)).await?;
        let resp: Response = resp.dyn_into()?;
        let content_type = resp.headers().get("content-type").ok().flatten();
        let body = match req.read {
            ReadBody::Text => JsFuture::from(resp.text()?).await?.as_string().unwrap_or_default(),
            ReadBody::DataUrl => {
                let bytes = js_sys::Uint8Array::new(&JsFuture::from(resp.array_buffer()?).await?).to_vec();
                crate::engine::output::data_url(content_type.as_deref().unwrap_or(""), &bytes)
            }
        };
        Ok::<_, JsValue>(HttpResponse { status: resp.status(), status_text: resp.status_text(), content_type, body })
    }
    .await;
    match outcome {
        Ok(r) => Ok(r),
        Err(_) if timed_out.get() => Err(NetError::Timeout),
        Err(e) => Err(NetError::Network(describe(&e))),
    }
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "request failed".into())
}
