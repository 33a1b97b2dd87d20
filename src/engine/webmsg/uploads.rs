//! Files: `getFileLimits` from what the deployment allows, and `sendFile` as
//! `onAttachment` → the presigned `PUT` → `UploadSuccessEvent` → a message carrying the
//! attachment, which resolves once the server has it.

use super::requests;
use super::{Pending, Session, Upload, UploadStep};
use crate::engine::command::FileInfo;
use crate::engine::host::Host;
use crate::engine::json::{obj, Value};
use crate::engine::output::Body;
use crate::engine::{texts, CommandId, FileRef};

/// Files on their way at most.
const UPLOADS_MAX: usize = 10;

impl Session {
    /// The limits in the shape GMS answers them (what the Genesys WebChat UI reads).
    pub(super) fn file_limits(&mut self, id: CommandId) {
        if self.live_mut().is_none() {
            return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        let d = &self.deployment;
        let mut types: Vec<String> = Vec::new();
        for t in &d.file_types {
            for e in extensions(t) {
                if !types.iter().any(|x| x == e) {
                    types.push(e.to_owned());
                }
            }
        }
        let bytes = d.max_file_kb.map_or(0.0, |kb| kb * 1000.0);
        let user_data = obj([
            ("upload-max-files", Value::str("10")),
            ("upload-max-file-size", Value::String(Value::num(bytes).to_js_string())),
            ("upload-max-total-size", Value::String(Value::num(bytes * 10.0).to_js_string())),
            ("upload-need-agent", Value::str("false")),
            ("upload-file-types", Value::String(types.join(":"))),
            ("blocked-extensions", Value::String(d.blocked_extensions.join(":"))),
            ("used-upload-max-files", Value::str("0")),
            ("used-upload-max-total-size", Value::str("0")),
        ]);
        let answer = obj([("messages", Value::Array(vec![obj([("type", Value::str("Notice")), ("text", Value::str("file-client-cfg-get")), ("userData", user_data)])]))]);
        self.ctrl.out.resolve(id, Value::String(answer.to_json()));
    }

    pub(super) fn send_file(&mut self, id: CommandId, file: Option<FileInfo>, now: u64, host: &mut dyn Host) {
        match self.live_mut().map(|c| c.is_up()) {
            None => return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION),
            Some(false) => return self.ctrl.out.reject_text(id, super::link::UPLOAD_CUT),
            Some(true) => {}
        }
        let Some(file) = file else { return self.ctrl.out.reject_text(id, texts::NO_FILE_CHOSEN) };
        if let Some(why) = self.refusal(&file) {
            self.upload_error(id, 4001, &why);
            return;
        }
        let attachment_id = Self::new_token(host);
        let Some(c) = self.live_mut() else { return };
        if c.uploads.len() >= UPLOADS_MAX {
            return self.ctrl.out.reject_text(id, "Too many files are being sent; wait for one to finish.");
        }
        let frame = requests::on_attachment(&c.token, &attachment_id, &file.name, &file.mime, file.size as f64);
        c.uploads.push(Upload { cmd: id, since: now, attachment_id, mime: file.mime, step: UploadStep::AskedUrl });
        self.send_frame(frame);
    }

    /// Why the deployment would refuse this file, checked before anything is sent.
    fn refusal(&self, file: &FileInfo) -> Option<String> {
        let d = &self.deployment;
        let ext = file.name.rsplit_once('.').map(|(_, e)| format!(".{}", e.to_ascii_lowercase())).unwrap_or_default();
        if d.file_types.is_empty() {
            return Some("This deployment does not take files.".into());
        }
        if !ext.is_empty() && d.blocked_extensions.iter().any(|b| b.eq_ignore_ascii_case(&ext)) {
            return Some(format!("Files of type {ext} are not allowed."));
        }
        if !d.file_types.iter().any(|t| t == "*/*" || t.eq_ignore_ascii_case(&file.mime) || extensions(t).iter().any(|e| ext.trim_start_matches('.') == *e)) {
            return Some(format!("Files of type {} are not allowed (allowed: {}).", if file.mime.is_empty() { ext.as_str() } else { file.mime.as_str() }, d.file_types.join(", ")));
        }
        if let Some(kb) = d.max_file_kb {
            if file.size as f64 > kb * 1000.0 || file.size == 0 {
                return Some(format!("The file is empty or larger than {} KB.", kb as u64));
            }
        }
        None
    }

    /// Files whose upload URL or confirmation did not come in time fail.
    pub(super) fn uploads_overdue(&mut self, now: u64) {
        let Some(c) = self.live_mut() else { return };
        let (late, keep): (Vec<Upload>, Vec<Upload>) = c.uploads.drain(..).partition(|u| u.since.saturating_add(super::UPLOAD_WAIT_MS) <= now);
        c.uploads = keep;
        for u in late {
            self.upload_error(u.cmd, 0, "The file could not be sent: the server did not confirm the upload in time.");
        }
    }

    /// `PresignedUrlResponse`: the file goes there.
    pub(super) fn upload_url(&mut self, attachment_id: &str, url: String, headers: Vec<(String, String)>, now: u64) {
        let Some(c) = self.live_mut() else { return };
        let Some(u) = c.uploads.iter_mut().find(|u| u.attachment_id == attachment_id && u.step == UploadStep::AskedUrl) else { return };
        u.step = UploadStep::Putting;
        u.since = now;
        let (cmd, mime) = (u.cmd, u.mime.clone());
        let mut headers: Vec<(String, String)> = headers.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-type")).collect();
        headers.push(("Content-Type".to_owned(), if mime.is_empty() { "application/octet-stream".to_owned() } else { mime }));
        // The page keeps the File under the command's id until it settles.
        self.request("PUT", url, headers, Body::File(FileRef(cmd)), Pending::Put { attachment_id: attachment_id.to_owned() });
    }

    /// The `PUT` answered: a refusal fails the upload; success waits for the server's
    /// `UploadSuccessEvent` (the storage's answer is not the last word).
    pub(super) fn put_answered(&mut self, attachment_id: &str, status: u16) {
        if (200..300).contains(&status) {
            return;
        }
        let why = if status == 0 { "the upload got no answer".to_owned() } else { format!("the upload was refused (status {status})") };
        self.upload_failed(attachment_id, 0, &why);
    }

    /// `UploadSuccessEvent`: the message carrying the file goes (and resolves `sendFile`
    /// once the server has it).
    pub(super) fn uploaded(&mut self, attachment_id: &str, now: u64) {
        let Some(c) = self.live_mut() else { return };
        let Some(at) = c.uploads.iter().position(|u| u.attachment_id == attachment_id) else { return };
        let u = c.uploads.remove(at);
        self.queue_message(u.cmd, String::new(), Some(u.attachment_id), now);
    }

    /// `UploadFailureEvent`, `GenerateUrlError`, or a refused `PUT`.
    pub(super) fn upload_failed(&mut self, attachment_id: &str, code: i64, text: &str) {
        let Some(c) = self.live_mut() else { return };
        let Some(at) = c.uploads.iter().position(|u| u.attachment_id == attachment_id) else { return };
        let u = c.uploads.remove(at);
        let why = match code {
            4001 => format!("The file type is not allowed ({code}: {text})."),
            4002 => format!("The file is too large ({code}: {text})."),
            4005 => format!("The file name is not allowed ({code}: {text})."),
            0 => format!("The file could not be sent: {text}."),
            _ => format!("The file could not be sent ({code}: {text})."),
        };
        self.upload_error(u.cmd, code, &why);
    }

    fn upload_error(&mut self, cmd: CommandId, code: i64, why: &str) {
        self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![obj([("code", Value::int(code)), ("response", Value::str(why))])]))]));
        self.ctrl.out.reject_text(cmd, why);
    }
}

/// File extensions of a MIME type (as the WebChat UI lists allowed types).
fn extensions(mime: &str) -> Vec<&str> {
    match mime {
        "image/jpeg" => vec!["jpg", "jpeg"],
        "image/png" => vec!["png"],
        "image/gif" => vec!["gif"],
        "text/plain" => vec!["txt"],
        "application/pdf" => vec!["pdf"],
        m => m.rsplit_once('/').map(|(_, s)| vec![s]).unwrap_or_default(),
    }
}
