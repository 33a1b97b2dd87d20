//! JavaScript values <-> the engine's types, once, at the edge.
//!
//! Conversion walks the value itself instead of going through `JSON.stringify`, so that a
//! command's data holding DOM nodes, jQuery objects, functions or cycles converts without
//! throwing: functions and DOM nodes are left out, depth is bounded.

use crate::engine::command::{Command, PageInfo, RegexSpec};
use crate::engine::output::ReplyValue;
use js_sys::{Array, Object, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

const MAX_DEPTH: usize = 32;

/// A JavaScript value as JSON (functions, symbols and DOM nodes dropped).
pub fn to_json(v: &JsValue) -> Value {
    walk(v, 0)
}

fn walk(v: &JsValue, depth: usize) -> Value {
    if v.is_null() || v.is_undefined() || depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return number(n);
    }
    if let Some(s) = v.as_string() {
        return Value::String(s);
    }
    if v.is_function() || v.is_symbol() || v.is_bigint() || v.has_type::<web_sys::Element>() {
        return Value::Null;
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        return Value::Array(a.iter().map(|x| walk(&x, depth + 1)).collect());
    }
    if let Some(re) = v.dyn_ref::<js_sys::RegExp>() {
        return Value::String(String::from(re.to_string()));
    }
    if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        return number(d.get_time());
    }
    if !v.is_object() {
        return Value::Null;
    }
    let obj: &Object = v.unchecked_ref();
    let mut m = Map::new();
    for key in Object::keys(obj).iter() {
        let Some(k) = key.as_string() else { continue };
        let Ok(child) = Reflect::get(obj, &key) else { continue };
        if child.is_undefined() || child.is_function() {
            continue;
        }
        m.insert(k, walk(&child, depth + 1));
    }
    Value::Object(m)
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// JSON to a plain JavaScript value (objects, arrays, numbers). One `JSON.parse` of the
/// serialised text: for the large payloads (a restored transcript, ajaxResponse) that is
/// far cheaper than building the objects property by property across the boundary.
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::String(s) => JsValue::from_str(s),
        _ => serde_json::to_string(v)
            .ok()
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .unwrap_or(JsValue::UNDEFINED),
    }
}

/// A JavaScript value built from JSON-compatible data (such as a message a preprocessor
/// edited) back to JSON, through one `JSON.stringify`; values `JSON.stringify` refuses
/// (cycles, BigInt) fall back to the walking conversion.
pub fn to_json_fast(v: &JsValue) -> Value {
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| to_json(v))
}

/// The argument a deferred settles with.
pub fn reply_to_js(r: &ReplyValue) -> Option<JsValue> {
    match r {
        ReplyValue::Undefined => None,
        ReplyValue::Json(v) => Some(to_js(v)),
        ReplyValue::RegExps(list) => {
            let arr = Array::new();
            for spec in list {
                arr.push(&js_sys::RegExp::new(&spec.source, &spec.flags));
            }
            Some(arr.into())
        }
    }
}

/// A `RegExp` as source and flags.
pub fn regex_spec(v: &JsValue) -> Option<RegexSpec> {
    let re = v.dyn_ref::<js_sys::RegExp>()?;
    Some(RegexSpec::new(String::from(re.source()), String::from(re.flags())))
}

/// `filters`: one RegExp or an array of RegExps; anything else is invalid.
pub fn filter_specs(data: &JsValue) -> Option<Vec<RegexSpec>> {
    let filters = Reflect::get(data, &"filters".into()).ok()?;
    if let Some(one) = regex_spec(&filters) {
        return Some(vec![one]);
    }
    if Array::is_array(&filters) {
        let arr: &Array = filters.unchecked_ref();
        return arr.iter().map(|x| regex_spec(&x)).collect();
    }
    None
}

/// The engine command for a bus command name and its data; `None` for the commands the
/// shell answers itself (preprocessors and the typing-preview input live in the page).
pub fn command(name: &str, commander: &str, data: &JsValue, page: impl FnOnce() -> PageInfo) -> Option<Command> {
    let json = || to_json(data);
    Some(match name {
        "configure" => Command::Configure(json()),
        "LOAD" => Command::Load,
        "startChat" => Command::StartChat { data: json(), page: page() },
        "endChat" => Command::EndChat,
        "sendMessage" => Command::SendMessage(json()),
        "sendCustomNotice" => Command::SendCustomNotice(json()),
        "sendTyping" => Command::SendTyping(json()),
        "sendFilteredMessage" => {
            let regex = Reflect::get(data, &"regex".into()).ok().and_then(|r| regex_spec(&r));
            Command::SendFilteredMessage { data: json(), regex }
        }
        "addPrefilter" => Command::AddPrefilter(filter_specs(data)),
        "updateUserData" => Command::UpdateUserData(json()),
        "poll" => Command::Poll { commander: commander.to_owned() },
        "startPoll" => Command::StartPoll,
        "stopPoll" => Command::StopPoll,
        "pausePoll" => Command::PausePoll,
        "resetPollExceptions" => Command::ResetPollExceptions,
        "restore" => Command::Restore { commander: commander.to_owned() },
        "asyncRestore" => Command::AsyncRestore,
        "getTranscript" => Command::GetTranscript,
        "getAgents" => Command::GetAgents,
        "getStats" => Command::GetStats,
        "getSessionData" => Command::GetSessionData,
        "verifySession" => Command::VerifySession,
        "sleep" => Command::Sleep,
        "wake" => Command::Wake,
        "fetchHistory" => Command::FetchHistory,
        "getFileLimits" => Command::GetFileLimits,
        "sendFile" => Command::SendFile,
        "downloadFile" => Command::DownloadFile,
        "updateInteractionData" => Command::UpdateInteractionData(json()),
        _ => return None,
    })
}

/// `typeof v` as JavaScript spells it.
pub fn type_of(v: &JsValue) -> String {
    v.js_typeof().as_string().unwrap_or_else(|| "undefined".into())
}

/// Reads `obj[key]` (missing or throwing getters read as undefined).
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
