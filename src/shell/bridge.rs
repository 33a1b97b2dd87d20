//! JavaScript values <-> the engine's [`Value`], once, at the edge.
//!
//! Into the engine: the value is walked (not `JSON.stringify`-ed), so command data
//! holding RegExps converts faithfully and data holding DOM nodes, `window`, functions or
//! cycles converts without throwing or freezing: those are left out, the depth and the
//! number of nodes are bounded.
//!
//! Out of the engine: one `JSON.parse` of the engine's text (far cheaper than building
//! objects property by property across the boundary), then, only when the text carries
//! marks, the page-side reviver (`www/helpers.js`) restores `undefined` properties,
//! jqXHR objects and RegExps.

use crate::engine::json::{Map, Number, RegexSpec, Value};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Deeper values are cut off.
const MAX_DEPTH: usize = 32;
/// At most this many values are read from one command's data.
const MAX_NODES: usize = 20_000;

struct Walk {
    nodes: usize,
    /// The objects on the current path (cycle detection).
    path: Vec<JsValue>,
}

/// A JavaScript value as the engine sees it.
pub fn to_value(v: &JsValue) -> Value {
    let mut w = Walk { nodes: 0, path: Vec::new() };
    walk(v, 0, &mut w).unwrap_or(Value::Undefined)
}

fn is_host_object(v: &JsValue) -> bool {
    v.has_type::<web_sys::Node>() || v.has_type::<web_sys::Window>() || !get(v, "jquery").is_undefined()
}

/// `None`: a value JSON would leave out (functions, DOM nodes, cycles, past the limits).
fn walk(v: &JsValue, depth: usize, w: &mut Walk) -> Option<Value> {
    w.nodes += 1;
    if w.nodes > MAX_NODES || depth > MAX_DEPTH {
        return None;
    }
    if v.is_undefined() {
        return Some(Value::Undefined);
    }
    if v.is_null() {
        return Some(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Some(Value::Number(number(v, n)));
    }
    if let Some(s) = v.as_string() {
        return Some(Value::String(s));
    }
    if v.is_function() || v.is_symbol() || v.is_bigint() || !v.is_object() || is_host_object(v) {
        return None;
    }
    if let Some(re) = v.dyn_ref::<js_sys::RegExp>() {
        return Some(Value::RegExp(RegexSpec::new(String::from(re.source()), String::from(re.flags()))));
    }
    if let Some(d) = v.dyn_ref::<js_sys::Date>() {
        return Some(Value::num(d.get_time()));
    }
    if w.path.iter().any(|p| Object::is(p, v)) {
        return None;
    }
    w.path.push(v.clone());
    let out = if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        let mut items = Vec::new();
        for x in a.iter() {
            if w.nodes > MAX_NODES {
                break;
            }
            items.push(walk(&x, depth + 1, w).unwrap_or(Value::Null));
        }
        Value::Array(items)
    } else {
        let obj: &Object = v.unchecked_ref();
        let mut m = Map::new();
        for key in Object::keys(obj).iter() {
            if w.nodes > MAX_NODES {
                break;
            }
            let Some(k) = key.as_string() else { continue };
            let Ok(child) = Reflect::get(obj, &key) else { continue };
            if child.is_undefined() {
                continue;
            }
            if let Some(c) = walk(&child, depth + 1, w) {
                m.push(k, c);
            }
        }
        Value::Object(m)
    };
    w.path.pop();
    Some(out)
}

fn number(v: &JsValue, n: f64) -> Number {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        return Number::new(n);
    }
    let text = js_sys::Number::from(v.clone()).to_string_with_radix(10).map(String::from).unwrap_or_default();
    Number::with_text(n, &text)
}

/// The page-side helpers (`www/helpers.js`): the reviver for marked values.
#[derive(Clone)]
pub struct Helpers {
    revive: Option<js_sys::Function>,
}

impl Helpers {
    pub fn from(v: &JsValue) -> Helpers {
        Helpers { revive: get(v, "revive").dyn_into::<js_sys::Function>().ok() }
    }

    /// Engine values to JavaScript, several at once: one `JSON.parse` for the values of a
    /// step, in chunks of about [`CHUNK`] bytes of text, each value written straight into
    /// the chunk. A step that publishes 2,000 messages thus never holds more than one
    /// value's text besides its values (wasm memory never shrinks: its peak is kept).
    pub fn to_js_many(&self, values: &[&Value]) -> Vec<JsValue> {
        let mut out = Vec::with_capacity(values.len());
        let mut text = String::new();
        let mut pending = 0;
        for (i, v) in values.iter().enumerate() {
            text.push(if pending == 0 { '[' } else { ',' });
            text.reserve(v.written_len_hint() + 1);
            v.write_to(&mut text);
            pending += 1;
            if text.len() >= CHUNK || i + 1 == values.len() {
                text.push(']');
                self.parse_chunk(&text, pending, &mut out);
                text.clear();
                pending = 0;
            }
        }
        out
    }

    fn parse_chunk(&self, text: &str, count: usize, out: &mut Vec<JsValue>) {
        let Ok(mut parsed) = js_sys::JSON::parse(text) else {
            out.extend((0..count).map(|_| JsValue::UNDEFINED));
            return;
        };
        if crate::engine::json::has_marks(text) {
            if let Some(f) = &self.revive {
                if let Ok(r) = f.call1(&JsValue::NULL, &parsed) {
                    parsed = r;
                }
            }
        }
        match parsed.dyn_into::<Array>() {
            Ok(a) if a.length() as usize == count => out.extend(a.iter()),
            _ => out.extend((0..count).map(|_| JsValue::UNDEFINED)),
        }
    }
}

/// Text per `JSON.parse` call in [`Helpers::to_js_many`]: small steps stay one call, a big
/// payload goes alone.
const CHUNK: usize = 64 * 1024;

/// A JavaScript value back into the engine through one `JSON.stringify` (values built
/// from JSON-like data, such as messages a preprocessor changed); what stringify refuses
/// (cycles, BigInt) falls back to the walk.
pub fn to_value_fast(v: &JsValue) -> Value {
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| crate::engine::json::parse(&s).ok())
        .unwrap_or_else(|| to_value(v))
}

/// Gives the object `target` the own properties of `source` (and only those), keeping
/// its identity; false when either is not a plain object.
pub fn replace_contents(target: &JsValue, source: &JsValue) -> bool {
    if !target.is_object() || !source.is_object() || Array::is_array(target) || Array::is_array(source) {
        return false;
    }
    let target: &Object = target.unchecked_ref();
    for key in Object::keys(target).iter() {
        let _ = Reflect::delete_property(target, &key);
    }
    Object::assign(target, source.unchecked_ref());
    true
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
