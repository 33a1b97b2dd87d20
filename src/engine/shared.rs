//! What both transports answer alike: the prefilter commands and the saved filters.

use super::command::RegexSpec;
use super::emitter::Emitter;
use super::filter::FilterSet;
use super::host::Host;
use super::output::{LogLevel, Outcome, ReplyValue};
use super::{keys, texts, CommandId};

/// `addPrefilter`: adds the filters, saves them, resolves with every custom filter as
/// RegExps; a missing, empty or untranslatable list rejects with the shipped text (and the
/// console says why).
pub fn add_prefilter(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host, id: CommandId, specs: Option<Vec<RegexSpec>>) {
    let Some(specs) = specs.filter(|s| !s.is_empty()) else {
        return out.reject(id, texts::INVALID_FILTERS);
    };
    match filters.add(&specs) {
        Ok(()) => {
            host.storage_set(keys::FILTERS, &filters.to_cookie());
            out.reply(Some(id), Outcome::Resolve(ReplyValue::RegExps(filters.custom_specs())));
        }
        Err(e) => {
            out.log(LogLevel::Warn, format!("WebChatService: addPrefilter refused {e}. Filters run on a linear-time regex engine, which has no look-around or back-references."));
            out.reject(id, texts::INVALID_FILTERS);
        }
    }
}

/// `sendFilteredMessage`'s filter: added and saved before the message goes out. `false`
/// (and the command rejected) when the RegExp cannot be used.
pub fn add_message_filter(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host, id: CommandId, regex: Option<RegexSpec>) -> bool {
    let Some(spec) = regex else { return true };
    if let Err(e) = filters.add(std::slice::from_ref(&spec)) {
        out.log(LogLevel::Warn, format!("WebChatService: sendFilteredMessage refused the filter {e}"));
        out.reject(id, texts::INVALID_FILTERS);
        return false;
    }
    host.storage_set(keys::FILTERS, &filters.to_cookie());
    true
}

/// The prefilters saved by an earlier page of this session (configure time).
pub fn recall_filters(out: &mut Emitter, filters: &mut FilterSet, host: &mut dyn Host) {
    if let Some(saved) = host.storage_get(keys::FILTERS) {
        if let Err(e) = filters.add(&FilterSet::specs_from_cookie(&saved)) {
            out.log(LogLevel::Warn, format!("WebChatService: a saved prefilter could not be restored: {e}"));
        }
    }
}
