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
    // Safe integers need no text; beyond 2^53 the page's own digits are kept (JavaScript
    // prints the shortest ones, the engine would write the exact ones).
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
        return Number::new(n);
    }
    let text = js_sys::Number::from(v.clone()).to_string_with_radix(10).map(String::from).unwrap_or_default();
    Number::with_text(n, &text)
}

/// The page-side helpers (`www/helpers.js`): the reviver for marked values, and the
/// Files of `sendFile` commands in flight, which the reviver puts back into payloads.
#[derive(Clone)]
pub struct Helpers {
    revive: Option<js_sys::Function>,
    files: Option<Object>,
    cookie: JsValue,
}

impl Helpers {
    pub fn from(v: &JsValue) -> Helpers {
        Helpers { revive: get(v, "revive").dyn_into::<js_sys::Function>().ok(), files: get(v, "files").dyn_into::<Object>().ok(), cookie: get(v, "Cookie") }
    }

    /// The js-cookie-like `Cookie` handed to the integrator's async-mode functions.
    pub fn cookie(&self) -> JsValue {
        self.cookie.clone()
    }

    /// Keeps the File of the `sendFile` command `id` until [`Helpers::forget_file`].
    pub fn keep_file(&self, id: u64, file: &web_sys::File) {
        if let Some(files) = &self.files {
            let _ = Reflect::set(files, &JsValue::from_f64(id as f64), file);
        }
    }
    pub fn forget_file(&self, id: u64) {
        if let Some(files) = &self.files {
            let _ = Reflect::delete_property(files, &JsValue::from_f64(id as f64));
        }
    }
    /// The kept File of the `sendFile` command `id`.
    pub fn file(&self, id: u64) -> Option<web_sys::File> {
        let files = self.files.as_ref()?;
        Reflect::get(files, &JsValue::from_f64(id as f64)).ok()?.dyn_into::<web_sys::File>().ok()
    }

    /// Engine values to JavaScript, several at once: one `JSON.parse` for the values of a
    /// step, in chunks of about [`CHUNK`] bytes of text. A value too big for one chunk (a
    /// refresh answer, a `messageReceived` of 2,000 messages) is built part by part: its
    /// objects and arrays are made here and their members parsed in chunks. No text much
    /// longer than a chunk is ever written, and wasm memory never shrinks (its peak is
    /// kept for the life of the page).
    pub fn to_js_many(&self, values: &[&Value]) -> Vec<JsValue> {
        let tops = Array::new_with_length(values.len() as u32);
        let mut batch = Batch { helpers: self, text: String::new(), places: Vec::new() };
        for (i, v) in values.iter().enumerate() {
            batch.add(v, Place::Item(tops.clone(), i as u32));
        }
        batch.flush();
        tops.iter().collect()
    }
}

/// Where a parsed member goes.
enum Place {
    Item(Array, u32),
    Prop(Object, JsValue),
    /// An own property named `__proto__` (as `JSON.parse` makes it; assigning would set
    /// the prototype instead).
    OwnProto(Object),
}

impl Place {
    fn set(&self, v: &JsValue) {
        match self {
            Place::Item(a, i) => a.set(*i, v.clone()),
            Place::Prop(o, k) => {
                let _ = Reflect::set(o, k, v);
            }
            Place::OwnProto(o) => {
                let d = Object::new();
                for (k, x) in [("value", v.clone()), ("writable", true.into()), ("enumerable", true.into()), ("configurable", true.into())] {
                    let _ = Reflect::set(&d, &k.into(), &x);
                }
                Object::define_property(o, &"__proto__".into(), &d);
            }
        }
    }
}

/// The chunk being written and where each of its values goes.
struct Batch<'a> {
    helpers: &'a Helpers,
    text: String,
    places: Vec<Place>,
}

impl Batch<'_> {
    fn add(&mut self, v: &Value, place: Place) {
        let len = v.written_len_hint();
        if len > CHUNK {
            match v {
                Value::Object(m) => {
                    let o = Object::new();
                    place.set(&o);
                    for (k, member) in m.iter() {
                        let key = JsValue::from_str(k);
                        let place = if k == "__proto__" { Place::OwnProto(o.clone()) } else { Place::Prop(o.clone(), key) };
                        // Created now, filled at the chunk's parse: the key order stays.
                        place.set(&JsValue::UNDEFINED);
                        self.add(member, place);
                    }
                    return;
                }
                Value::Array(items) => {
                    let a = Array::new_with_length(items.len() as u32);
                    place.set(&a);
                    for (i, item) in items.iter().enumerate() {
                        self.add(item, Place::Item(a.clone(), i as u32));
                    }
                    return;
                }
                // Jqxhr objects, strings and one huge entry go whole, in a chunk of their own.
                _ => self.flush(),
            }
        }
        self.text.push(if self.places.is_empty() { '[' } else { ',' });
        self.text.reserve(len + 1);
        v.write_to(&mut self.text);
        self.places.push(place);
        if self.text.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.places.is_empty() {
            return;
        }
        self.text.push(']');
        let parsed = self.helpers.parse_chunk(&self.text, self.places.len());
        for (i, place) in self.places.drain(..).enumerate() {
            place.set(&parsed.as_ref().map(|a| a.get(i as u32)).unwrap_or(JsValue::UNDEFINED));
        }
        self.text.clear();
        // A huge member's text is not kept for the rest of the batch.
        if self.text.capacity() > 2 * CHUNK {
            self.text.shrink_to(CHUNK);
        }
    }
}

impl Helpers {
    /// One chunk: `JSON.parse`, and the reviver when the text carries marks; `None` when
    /// it does not parse to an array of `count` values.
    fn parse_chunk(&self, text: &str, count: usize) -> Option<Array> {
        let mut parsed = js_sys::JSON::parse(text).ok()?;
        if crate::engine::json::has_marks(text) {
            if let Some(f) = &self.revive {
                if let Ok(r) = f.call1(&JsValue::NULL, &parsed) {
                    parsed = r;
                }
            }
        }
        parsed.dyn_into::<Array>().ok().filter(|a| a.length() as usize == count)
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
