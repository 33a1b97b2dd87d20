//! What both controllers do alike with prefilters: `addPrefilter`, the filter given to
//! `sendFilteredMessage`, and the filters cookie other tabs and later pages share.

use super::emitter::Emitter;
use super::filter::FilterSet;
use super::host::{Host, HostCases};
use super::json::{Map, RegexSpec, Value};
use super::output::LogLevel;
use super::{keys, texts, CommandId};

/// At most this many custom filters: the cookie holding them must stay under the
/// browser's 4 KB, and each filter costs time on every message.
pub const MAX_FILTERS: usize = 50;
/// The filters cookie is refused beyond this size (browsers drop larger cookies silently).
const MAX_COOKIE: usize = 3800;

/// The RegExps of `addPrefilter`'s `filters`: one RegExp, or a non-empty array whose
/// first item is a RegExp (its other RegExps are taken, anything else skipped), as
/// shipped. `None` is the shipped rejection.
pub fn filters_of(data: &Value) -> Option<Vec<RegexSpec>> {
    match data.get("filters") {
        Value::RegExp(r) => Some(vec![r.clone()]),
        Value::Array(items) if matches!(items.first(), Some(Value::RegExp(_))) => Some(
            items.iter().filter_map(|i| if let Value::RegExp(r) = i { Some(r.clone()) } else { None }).collect(),
        ),
        _ => None,
    }
}

/// The custom filters as `addPrefilter` resolves them: `$.extend({}, filters)`, an
/// object keyed "0", "1", ... holding RegExps.
pub fn as_resolution(filters: &FilterSet) -> Value {
    let mut m = Map::new();
    for (i, spec) in filters.custom_specs().into_iter().enumerate() {
        m.push(i.to_string(), Value::RegExp(spec));
    }
    Value::Object(m)
}

/// Adds filters and writes the cookie. `false` (already logged) when a pattern cannot run
/// on the linear-time engine or the set would grow past its bounds.
pub fn add(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host, specs: &[RegexSpec], what: &str) -> bool {
    let mut candidate = filters.clone();
    if let Err(e) = candidate.add(specs, &HostCases(&*host)) {
        out.log(LogLevel::Warn, format!("WebChatService: {what} refused {e}. Filters run on a linear-time regex engine, which has no look-around or back-references."));
        return false;
    }
    let cookie = candidate.to_cookie();
    if candidate.custom_len() > MAX_FILTERS || cookie.len() > MAX_COOKIE {
        out.log(LogLevel::Warn, format!("WebChatService: {what} refused: at most {MAX_FILTERS} filters fit in the filters cookie (4 KB)."));
        return false;
    }
    *filters = candidate;
    host.storage_set(keys::FILTERS, &cookie);
    true
}

/// `addPrefilter`: adds, saves and resolves with every custom filter; a missing, empty
/// or unusable list rejects with the shipped text.
pub fn add_prefilter(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host, id: CommandId, data: &Value) {
    match filters_of(data) {
        Some(specs) if add(out, filters, host, &specs, "addPrefilter") => {
            out.resolve(id, as_resolution(filters));
        }
        Some(_) => out.reject_text(id, texts::INVALID_FILTERS),
        None => {
            if data.get("filters").is_undefined() {
                out.log(LogLevel::Warn, "WebChatService: addPrefilter needs { filters: /regexp/ } or { filters: [/a/, /b/] }.");
            }
            out.reject_text(id, texts::INVALID_FILTERS);
        }
    }
}

/// `sendFilteredMessage` once the controller found a chat: the `regex` becomes a custom
/// filter and the `message` is sent through the bus's `sendMessage` (both controllers do
/// this alike); the command resolves with no value, or rejects when the filter is refused.
pub fn send_filtered(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host, id: CommandId, data: &Value) {
    if let (Value::String(message), Value::RegExp(re)) = (data.get("message"), data.get("regex")) {
        if !add(out, filters, host, std::slice::from_ref(re), "sendFilteredMessage") {
            return out.reject_text(id, texts::INVALID_FILTERS);
        }
        out.command_with("WebChatService.sendMessage", super::json::obj([("message", Value::str(message.as_str()))]));
    }
    out.resolve_empty(id);
}

/// The filters another tab or an earlier page saved; a cookie holding a different
/// number of filters than we know replaces ours (the shipped cross-tab rule).
pub fn sync_from_cookie(out: &mut Emitter, filters: &mut FilterSet, host: &dyn Host) {
    let Some(saved) = host.storage_get(keys::FILTERS) else { return };
    if filters.synced.as_deref() == Some(saved.as_str()) {
        return;
    }
    let Some(specs) = FilterSet::specs_from_cookie(&saved) else { return };
    if specs.len() == filters.custom_len() {
        filters.synced = Some(saved);
        return;
    }
    let mut fresh = FilterSet::default();
    let usable: Vec<RegexSpec> = specs.into_iter().take(MAX_FILTERS).collect();
    for spec in usable {
        if let Err(e) = fresh.add(std::slice::from_ref(&spec), &HostCases(host)) {
            out.log(LogLevel::Warn, format!("WebChatService: a saved prefilter could not be restored: {e}"));
        }
    }
    fresh.synced = Some(saved);
    *filters = fresh;
}

/// Forgets the custom filters and their cookie (the chat ended).
pub fn clear(filters: &mut FilterSet, host: &mut dyn Host) {
    filters.clear();
    host.storage_remove(keys::FILTERS);
}
