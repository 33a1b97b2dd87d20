//! GMS Chat API v2 (spec/protocols.md §1, §5): request chat at `{base}` or `{base}/`,
//! then `{base}/{chatId}/{op}` for refresh, send, startTyping, stopTyping, customNotice,
//! updateData, disconnect, and the file operations `file/limits`, `file` (upload) and
//! `file/{id}/download` (§1.5). Form-encoded or multipart bodies; 1-based `index`,
//! `transcriptPosition`, `nextPosition`, `chatEnded`, `statusCode`, `errors`.

use crate::agent;
use crate::form;
use crate::world::{lock, now_ms, Chat, Logged, Shared, StoredFile};
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

fn errors(status: StatusCode, code: u64, advice: &str) -> Response {
    (status, Json(json!({"errors": [{"code": code, "advice": advice}]}))).into_response()
}

/// The standard answer for a chat: ids, status, transcript from `from` on.
fn answer(chat: &Chat, from: Option<u64>, status_code: u64) -> Value {
    let messages: Vec<Value> = match from {
        Some(pos) => chat
            .transcript
            .iter()
            .filter(|m| m.get("index").and_then(Value::as_u64).is_some_and(|i| i >= pos.max(1)))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    json!({
        "statusCode": status_code,
        "chatEnded": chat.ended,
        "chatId": chat.chat_id,
        "alias": chat.alias,
        "secureKey": chat.secure_key,
        "userId": chat.user_id,
        "nextPosition": chat.transcript.len() as u64 + 1,
        "messages": messages,
    })
}

pub async fn handle(State(world): State<Shared>, Path(rest): Path<String>, req: Request) -> Response {
    let segments: Vec<String> = rest.split('/').map(str::to_owned).collect();
    let (chat_id, op) = match segments.as_slice() {
        [_service] => (None, "request".to_owned()),
        [_service, empty] if empty.is_empty() => (None, "request".to_owned()),
        [_service, id, op @ ..] if !op.is_empty() && !id.is_empty() => (Some(id.clone()), op.join("/")),
        _ => return errors(StatusCode::NOT_FOUND, 404, "unknown GMS path"),
    };
    let (apikey, authorization) = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        (header("apikey"), header("authorization"))
    };
    let body = match form::read(req).await {
        Ok(f) => f,
        Err(e) => return errors(StatusCode::BAD_REQUEST, 400, &e),
    };
    if body.cut_short {
        // Only a file makes a body that big: the too-big refusal of an upload.
        return errors(StatusCode::BAD_REQUEST, 202, &MAX_FILE_SIZE.to_string());
    }
    let fault = {
        let mut w = lock(&world);
        w.log.push(Logged {
            op: op.clone(),
            chat_id: chat_id.clone(),
            content_type: body.content_type.clone(),
            apikey: apikey.clone(),
            authorization,
            fields: body.fields.clone(),
            user_data: body.user_data.clone(),
            at: now_ms(),
        });
        if let Some(required) = &w.required_apikey {
            if apikey.as_deref() != Some(required.as_str()) {
                return errors(StatusCode::UNAUTHORIZED, 401, "missing or invalid apikey");
            }
        }
        w.take_fault(&op)
    };
    if let Some(f) = &fault {
        match f.kind.as_str() {
            "slow" => tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(5000))).await,
            "http" => {
                let status = StatusCode::from_u16(f.status.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return (status, "stand-in fault").into_response();
            }
            "errors" => {
                let status = StatusCode::from_u16(f.status.unwrap_or(400)).unwrap_or(StatusCode::BAD_REQUEST);
                return errors(status, f.code.unwrap_or(240), "stand-in fault");
            }
            _ => {}
        }
    }
    let offline = fault.as_ref().is_some_and(|f| f.kind == "status1");
    match chat_id {
        None => request_chat(world, body),
        Some(id) => operate(world, &id, &op, body, offline),
    }
}

fn request_chat(world: Shared, body: form::Form) -> Response {
    let nickname = body.get("nickname").unwrap_or("").trim().to_owned();
    let first = body.get("firstName").unwrap_or("").trim().to_owned();
    let last = body.get("lastName").unwrap_or("").trim().to_owned();
    let nickname = if !nickname.is_empty() { nickname } else { format!("{first} {last}").trim().to_owned() };
    if nickname.is_empty() {
        return Json(json!({"statusCode": 2, "chatEnded": true, "chatId": "",
            "errors": [{"code": 161, "advice": "nickname or first and last name required"}]}))
        .into_response();
    }
    let chat_id = {
        let mut w = lock(&world);
        let (chat_id, secure_key, alias, user_id) = w.new_ids();
        let mut chat = Chat {
            chat_id: chat_id.clone(),
            secure_key,
            alias,
            user_id,
            nickname: nickname.clone(),
            transcript: Vec::new(),
            ended: false,
            user_data: body.user_data.clone(),
            agent_joined: false,
            files: Vec::new(),
            downloads: 0,
        };
        chat.push(json!({"from": chat.client(), "type": "ParticipantJoined"}));
        w.chats.insert(chat_id.clone(), chat);
        chat_id
    };
    let resp = {
        let w = lock(&world);
        let chat = &w.chats[&chat_id];
        let mut a = answer(chat, Some(1), 0);
        if let Value::Object(m) = &mut a {
            m.remove("chatEnded");
            m.remove("nextPosition");
        }
        a
    };
    agent::on_chat_requested(world, chat_id);
    Json(resp).into_response()
}

/// Chat Server's default file options (protocols.md §1.5), all strings, with the counters.
pub const MAX_FILES: usize = 3;
pub const MAX_FILE_SIZE: usize = 2_097_152;
pub const MAX_TOTAL_SIZE: usize = 5_242_880;
pub const FILE_TYPES: &str = "jpg:jpeg:png:gif:pdf:txt";
pub const DOWNLOAD_ATTEMPTS: u32 = 5;

fn file_limits(chat: &Chat) -> Value {
    let total: usize = chat.files.iter().map(|f| f.data.len()).sum();
    json!({
        "download-attempts": DOWNLOAD_ATTEMPTS.to_string(),
        "upload-max-files": MAX_FILES.to_string(),
        "upload-max-file-size": MAX_FILE_SIZE.to_string(),
        "upload-max-total-size": MAX_TOTAL_SIZE.to_string(),
        "upload-need-agent": "false",
        "upload-file-types": FILE_TYPES,
        "used-upload-max-files": chat.files.len().to_string(),
        "used-upload-max-total-size": total.to_string(),
        "used-download-attempts": chat.downloads.to_string(),
        "delete-file": "false",
    })
}

/// An upload: 400 with code 201 (too many files), 202 (too big, the file or all of
/// them) or 203 (type not allowed, or no file part), each with the limit as `advice`;
/// else the file is kept, a `FileUploaded` entry joins the transcript and the answer
/// carries its `file-id`.
fn upload(chat: &mut Chat, body: form::Form) -> Response {
    let Some(part) = body.files.into_iter().find(|p| p.field == "file") else {
        return errors(StatusCode::BAD_REQUEST, 203, "a file part named file is required");
    };
    if chat.files.len() >= MAX_FILES {
        return errors(StatusCode::BAD_REQUEST, 201, &MAX_FILES.to_string());
    }
    let total: usize = chat.files.iter().map(|f| f.data.len()).sum();
    if part.size > MAX_FILE_SIZE || total + part.size > MAX_TOTAL_SIZE {
        return errors(StatusCode::BAD_REQUEST, 202, &MAX_FILE_SIZE.to_string());
    }
    let ext = part.file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !FILE_TYPES.split(':').any(|t| t == ext) {
        return errors(StatusCode::BAD_REQUEST, 203, FILE_TYPES);
    }
    let id = format!("file-{}-{}", chat.chat_id, chat.files.len() + 1);
    let details = json!({"file-id": id, "file-name": part.file_name, "file-size": part.size.to_string(),
        "file-type": part.content_type});
    chat.push(json!({"from": chat.client(), "type": "FileUploaded", "text": part.file_name, "userData": details}));
    chat.files.push(StoredFile { id: id.clone(), name: part.file_name, content_type: part.content_type, data: part.data });
    let mut a = answer(chat, None, 0);
    a["userData"] = json!({"file-id": id});
    Json(a).into_response()
}

/// The file as an attachment; 404 with code 404 when there is no such file, 400 with
/// code 205 once the download attempts are used up.
fn download(chat: &mut Chat, id: &str) -> Response {
    let Some(file) = chat.files.iter().find(|f| f.id == id) else {
        return errors(StatusCode::NOT_FOUND, 404, "no such file");
    };
    if chat.downloads >= DOWNLOAD_ATTEMPTS {
        return errors(StatusCode::BAD_REQUEST, 205, &DOWNLOAD_ATTEMPTS.to_string());
    }
    let disposition = format!("attachment; filename=\"{}\"", file.name.replace(['"', '\\', '\r', '\n'], "_"));
    let resp = ([(header::CONTENT_TYPE, file.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], file.data.clone()).into_response();
    chat.downloads += 1;
    resp
}

fn operate(world: Shared, chat_id: &str, op: &str, body: form::Form, offline: bool) -> Response {
    let position = body.get("transcriptPosition").and_then(|p| p.trim().parse::<u64>().ok());
    let mut w = lock(&world);
    let Some(chat) = w.chats.get_mut(chat_id) else {
        return Json(json!({"statusCode": 2, "chatEnded": true, "chatId": chat_id,
            "errors": [{"code": 102, "advice": "chat session not found"}]}))
        .into_response();
    };
    let ids_ok = body.get("secureKey") == Some(chat.secure_key.as_str())
        && body.get("alias") == Some(chat.alias.as_str())
        && body.get("userId") == Some(chat.user_id.as_str());
    if !ids_ok {
        return errors(StatusCode::BAD_REQUEST, 103, "alias, secureKey and userId must match the chat");
    }
    if offline {
        let mut a = answer(chat, None, 1);
        a["messages"] = json!([]);
        return Json(a).into_response();
    }
    let mut client_message = None;
    match op {
        "refresh" => {
            let a = answer(chat, Some(position.unwrap_or(1)), 0);
            return Json(a).into_response();
        }
        "send" => {
            if chat.ended {
                return Json(answer(chat, position, 0)).into_response();
            }
            let Some(text) = body.get("message").filter(|t| !t.trim().is_empty()) else {
                return errors(StatusCode::BAD_REQUEST, 104, "message is required");
            };
            let mut m = json!({"from": chat.client(), "type": "Message", "text": text});
            if let Some(t) = body.get("messageType") {
                m["messageType"] = json!(t);
            }
            if let Some(ea) = body.get("eventAttributes") {
                m["eventAttributes"] = serde_json::from_str(ea).unwrap_or(json!(ea));
            }
            chat.push(m);
            client_message = Some(text.to_owned());
        }
        "startTyping" | "stopTyping" => {}
        "customNotice" => {
            if let Some(text) = body.get("message") {
                chat.push(json!({"from": chat.client(), "type": "CustomNotice", "text": text}));
            }
        }
        "updateData" => {
            for (k, v) in &body.user_data {
                chat.user_data.insert(k.clone(), v.clone());
            }
        }
        "file/limits" => {
            // The limits arrive as a `file-client-cfg-get` Notice in the answer's messages.
            let mut a = answer(chat, None, 0);
            a["messages"] = json!([{"index": 0, "type": "Notice", "text": "file-client-cfg-get",
                "utcTime": now_ms(), "from": chat.client(), "userData": file_limits(chat)}]);
            return Json(a).into_response();
        }
        "file" => return upload(chat, body),
        op if op.starts_with("file/") && op.ends_with("/download") => {
            let id = &op["file/".len()..op.len() - "/download".len()];
            return download(chat, id);
        }
        "disconnect" => {
            if !chat.ended {
                chat.push(json!({"from": chat.client(), "type": "ParticipantLeft"}));
                chat.ended = true;
            }
        }
        _ => return errors(StatusCode::NOT_FOUND, 404, &format!("unknown operation {op}")),
    }
    let a = answer(chat, position, 0);
    drop(w);
    if let Some(text) = client_message {
        agent::on_client_message(world, chat_id.to_owned(), text);
    }
    Json(a).into_response()
}
