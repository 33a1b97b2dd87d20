//! The engine's value model: what JavaScript sees of a payload.
//!
//! Our own small type instead of a general JSON tree, because the values the shipped
//! plugin hands to subscribers are JavaScript values, not JSON:
//! - objects keep their insertion order (cookies such as `{"secureKey":…,"alias":…}` are
//!   compared as text by integrators, and JavaScript code iterates keys in that order);
//! - a property can be present with the value `undefined` (a GMS message without `html`
//!   still has the key);
//! - a failed request reaches callbacks as a jqXHR object ([`Value::Xhr`]), and
//!   `addPrefilter` resolves with RegExp objects ([`Value::RegExp`]);
//! - what the shipped plugin hands out by reference again and again (transcript entries:
//!   every `messageReceived`, `ajaxResponse` and `getTranscript` shows the same objects) is
//!   kept once, as text, and shared ([`Value::Json`]): a tree of a typical message takes
//!   about five times the memory of its text, and wasm memory never shrinks.
//!
//! [`parse`] reads JSON text (server answers, cookies) and never panics; [`Value::write`]
//! writes the text the shell hands to `JSON.parse`, marking what JSON cannot express so
//! that the shell's reviver restores it.

mod number;
mod parse;
mod write;

pub use number::js_decimal;
pub use parse::{parse, parse_keeping_entries, ParseError, MAX_DEPTH};
pub use write::{has_marks, MARK_FILE, MARK_REGEXP, MARK_UNDEFINED, MARK_XHR};

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A number, with the text it was read from when that text is not a plain integer (so
/// that `0.1` goes back to JavaScript as `0.1`, without float formatting in the wasm).
#[derive(Clone, Debug)]
pub struct Number {
    value: f64,
    text: Option<Box<str>>,
}

impl Number {
    pub fn new(value: f64) -> Self {
        Number { value, text: None }
    }
    /// A number and its JavaScript text (`String(n)`), for non-integers from the page.
    pub fn with_text(value: f64, text: &str) -> Self {
        Number { value, text: Some(text.into()) }
    }
    pub fn get(&self) -> f64 {
        self.value
    }
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.value == other.value
    }
}

/// A JavaScript `RegExp` as source and flags (`String(re) == "/" + source + "/" + flags`).
/// Boxed: a value is rarely a RegExp, and every [`Value`] is as large as its largest kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexSpec(Box<(String, String)>);

impl RegexSpec {
    pub fn new(source: impl Into<String>, flags: impl Into<String>) -> Self {
        RegexSpec(Box::new((source.into(), flags.into())))
    }
    pub fn source(&self) -> &str {
        &self.0 .0
    }
    pub fn flags(&self) -> &str {
        &self.0 .1
    }
    /// `String(re)`: the key the shipped plugin deduplicates filters by.
    pub fn display(&self) -> String {
        let mut s = String::with_capacity(self.source().len() + self.flags().len() + 2);
        s.push('/');
        s.push_str(self.source());
        s.push('/');
        s.push_str(self.flags());
        s
    }
}

/// An object or array kept as the text [`Value::write`] writes (marks included), shared by
/// reference: cloning it copies a pointer. `Arc`, not `Rc`, because a `Value` lives in a
/// `static`; without wasm threads its counts are plain memory operations.
///
/// A shared value may also be a *view* of another one's text: the value is a pure function
/// of that text's tree (a GMS entry's normalised message is one of its original). It costs
/// no memory of its own, and it is built only when written or read, one at a time, so a
/// 2,000-message payload never holds 2,000 normalised messages at once.
///
/// The text may be a part of a bigger one (an entry of the answer it came in): the answer's
/// text is then kept once, not copied entry by entry.
#[derive(Debug, Clone)]
pub struct Shared {
    text: Text,
    view: Option<fn(Value) -> Value>,
}

#[derive(Debug, Clone)]
enum Text {
    /// Text of its own (one allocation).
    Whole(Arc<str>),
    /// `source[start..end]`.
    Part { source: Arc<String>, start: u32, end: u32 },
}

impl PartialEq for Shared {
    /// The same text seen the same way (a fast path: [`Value`]'s equality compares trees).
    fn eq(&self, other: &Shared) -> bool {
        let same_text = match (&self.text, &other.text) {
            (Text::Whole(a), Text::Whole(b)) => Arc::ptr_eq(a, b),
            (Text::Part { source: a, start: s, end: e }, Text::Part { source: b, start: t, end: f }) => Arc::ptr_eq(a, b) && (s, e) == (t, f),
            _ => false,
        };
        same_text && self.view.map(|f| f as usize) == other.view.map(|f| f as usize)
    }
}

impl Shared {
    /// Text that is already JSON of an object or array (a server entry, checked by the
    /// parser); plain JSON is valid marked text, as marks are strings no server sends.
    fn of_string(text: String) -> Shared {
        Shared { text: Text::Whole(Arc::from(text)), view: None }
    }
    /// `source[start..end]`, which the parser checked is JSON of an object or array.
    pub(crate) fn of_part(source: &Arc<String>, start: usize, end: usize) -> Option<Shared> {
        let (start, end) = (u32::try_from(start).ok()?, u32::try_from(end).ok()?);
        source.get(start as usize..end as usize)?;
        Some(Shared { text: Text::Part { source: source.clone(), start, end }, view: None })
    }
    /// The JSON text of the value or, for a view, of its source.
    fn source_text(&self) -> &str {
        match &self.text {
            Text::Whole(t) => t,
            Text::Part { source, start, end } => source.get(*start as usize..*end as usize).unwrap_or(""),
        }
    }
    /// The text, when the value is that text (not a view of it).
    pub fn text(&self) -> Option<&str> {
        self.view.is_none().then(|| self.source_text())
    }
    /// The value back as a tree, the marks revived (`undefined` properties, jqXHRs and
    /// RegExps come back as they were written).
    pub fn expand(&self) -> Value {
        let tree = parse(self.source_text()).map(write::revive).unwrap_or(Value::Undefined);
        match self.view {
            Some(f) => f(tree),
            None => tree,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `undefined`: as a property value the key exists; as a whole value, "no value".
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
    /// A jqXHR as jQuery passes it to `done`/`fail`: these properties plus its methods
    /// (`done`, `fail`, `getResponseHeader`, ...), which the shell adds.
    Xhr(Box<Map>),
    RegExp(RegexSpec),
    /// The `File` an integrator passed to `sendFile`, which the engine cannot hold: the
    /// page keeps it under the id of that command until the command settles, so the
    /// `error` payload of a failed upload carries the very object (as shipped).
    File(FileRef),
    /// An object or array kept as text (see [`Shared`]). Reading into it needs
    /// [`Value::expanded`]: `get` and `as_object` see no properties.
    Json(Shared),
}

static UNDEFINED: Value = Value::Undefined;

/// Which kept `File` a [`Value::File`] stands for: the id of the `sendFile` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRef(pub u64);

/// Equality of what JavaScript would see: a [`Value::Json`] equals the tree it was written
/// from.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Json(a), Value::Json(b)) => a == b || a.expand() == b.expand(),
            (Value::Json(a), b) | (b, Value::Json(a)) => a.expand() == *b,
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Xhr(a), Value::Xhr(b)) => a == b,
            (Value::RegExp(a), Value::RegExp(b)) => a == b,
            (Value::File(a), Value::File(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    pub fn num(n: f64) -> Value {
        Value::Number(Number::new(n))
    }
    pub fn int(n: i64) -> Value {
        Value::Number(Number::new(n as f64))
    }
    pub fn object() -> Value {
        Value::Object(Map::new())
    }
    /// The value kept once as text and shared from now on (objects and arrays; other
    /// values are small and stay as they are).
    pub fn shared(self) -> Value {
        match self {
            Value::Object(_) | Value::Array(_) | Value::Xhr(_) => Value::Json(Shared::of_string(self.write())),
            other => other,
        }
    }
    /// The value `f` makes of this shared value's tree, kept as a view of the same text
    /// (see [`Shared`]); `None` when this is not shared text.
    pub fn viewed(&self, f: fn(Value) -> Value) -> Option<Value> {
        match self {
            Value::Json(j) if j.view.is_none() => Some(Value::Json(Shared { view: Some(f), ..j.clone() })),
            _ => None,
        }
    }
    /// The whole value as a tree, every [`Value::Json`] in it read back: what a page
    /// receives (tests and diagnostics read payloads this way).
    pub fn unshared(self) -> Value {
        match self {
            Value::Json(j) => j.expand(),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::unshared).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.unshared())).collect()),
            Value::Xhr(m) => Value::Xhr(Box::new(m.into_iter().map(|(k, v)| (k, v.unshared())).collect())),
            other => other,
        }
    }
    /// The value as a tree: a [`Value::Json`] is read back, any other is borrowed.
    pub fn expanded(&self) -> Cow<'_, Value> {
        match self {
            Value::Json(j) => Cow::Owned(j.expand()),
            other => Cow::Borrowed(other),
        }
    }
    /// `v[key]` for objects (and jqXHRs); `undefined` for anything else or a missing key.
    pub fn get(&self, key: &str) -> &Value {
        match self.as_object() {
            Some(m) => m.get(key).unwrap_or(&UNDEFINED),
            None => &UNDEFINED,
        }
    }
    /// The value under a dotted path (`a.b.c`), as the shipped `checkPath` reads it.
    pub fn path(&self, dotted: &str) -> &Value {
        dotted.split('.').fold(self, |v, k| v.get(k))
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            Value::Xhr(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            Value::Xhr(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n.value),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }
    /// `v == null` in JavaScript: `null` or `undefined`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }
    pub fn is_object(&self) -> bool {
        self.as_object().is_some()
    }
    /// `typeof v == "object"` (which includes arrays and `null`).
    pub fn is_js_object(&self) -> bool {
        matches!(self, Value::Null | Value::Array(_) | Value::Object(_) | Value::Xhr(_) | Value::RegExp(_) | Value::File(_) | Value::Json(_))
    }
    /// JavaScript truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.value != 0.0 && !n.value.is_nan(),
            Value::String(s) => !s.is_empty(),
            _ => true,
        }
    }
    /// The JSON text of the value, with the marks described in [`write`].
    pub fn write(&self) -> String {
        let mut out = String::new();
        write::write(self, &mut out);
        out
    }
    /// About how long [`Value::write`]'s text is, a little more rather than less: the
    /// shell reserves it, so a big payload's text is not grown by doubling (each doubling
    /// holds the old and the new buffer at once, and wasm memory keeps its peak).
    pub fn written_len_hint(&self) -> usize {
        match self {
            Value::String(s) => s.len() + s.len() / 8 + 2,
            // A view is about as long as its source (a normalised GMS message: a little more).
            Value::Json(j) => j.text().map_or_else(|| j.source_text().len() * 5 / 4 + 64, str::len),
            Value::Array(items) => 2 + items.iter().map(|v| v.written_len_hint() + 1).sum::<usize>(),
            Value::Object(m) => 2 + m.iter().map(|(k, v)| k.len() + 4 + v.written_len_hint()).sum::<usize>(),
            Value::Xhr(m) => 16 + m.iter().map(|(k, v)| k.len() + 4 + v.written_len_hint()).sum::<usize>(),
            Value::RegExp(r) => 24 + r.source().len() * 2 + r.flags().len(),
            _ => 24,
        }
    }
    /// [`Value::write`] appending to `out` (no intermediate string).
    pub fn write_to(&self, out: &mut String) {
        write::write(self, out);
    }
    /// `JSON.stringify(v)`: `undefined` properties left out (`null` in arrays), the
    /// marks of [`Value::write`] never written; for request bodies.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write::stringify(self, &mut out);
        out
    }
    /// `String(v)` for the scalars that go into form fields and URLs.
    pub fn to_js_string(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => if *b { "true".into() } else { "false".into() },
            Value::Number(n) => write::number_text(n),
            Value::String(s) => s.clone(),
            Value::Array(items) => {
                // `Array.prototype.join`: null and undefined items are empty.
                let mut out = String::new();
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !v.is_nullish() {
                        out.push_str(&v.to_js_string());
                    }
                }
                out
            }
            Value::RegExp(r) => r.display(),
            Value::Object(_) | Value::Xhr(_) => "[object Object]".into(),
            Value::File(_) => "[object File]".into(),
            Value::Json(j) => j.expand().to_js_string(),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Value {
        Value::Array(a)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.write())
    }
}

/// An object: keys in insertion order, as JavaScript keeps them (integer-like keys are
/// not moved to the front; no payload the engine builds depends on that rule).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map(Vec<(String, Value)>);

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Map {
    pub fn new() -> Self {
        Map(Vec::new())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets a key: an existing key keeps its place, a new one goes last.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.0.push((key, value)),
        }
    }
    /// Appends without looking for the key (the caller knows it is new).
    pub fn push(&mut self, key: impl Into<String>, value: Value) {
        self.0.push((key.into(), value));
    }
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }
    pub fn clear(&mut self) {
        self.0.clear();
    }
    /// `Object.assign(this, from)` / shallow `$.extend`: own keys of an object; an array
    /// spreads by index; `undefined` values are skipped as `$.extend` skips them.
    pub fn assign(&mut self, from: &Value) {
        if let Some(m) = from.as_object() {
            for (k, v) in m.iter() {
                if !v.is_undefined() {
                    self.insert(k.clone(), v.clone());
                }
            }
            return;
        }
        if let Value::Array(items) = from {
            for (i, v) in items.iter().enumerate() {
                if !v.is_undefined() {
                    self.insert(i.to_string(), v.clone());
                }
            }
        }
    }
    /// Deep `$.extend(true, this, from)`: plain objects merge key by key, everything else
    /// (arrays included, as copies) replaces.
    pub fn deep_assign(&mut self, from: &Value) {
        let Some(m) = from.as_object() else { return };
        for (k, v) in m.iter() {
            match (self.get_mut(k), v) {
                (Some(Value::Object(into)), Value::Object(_)) => into.deep_assign(v),
                (_, Value::Undefined) => {}
                (_, Value::Object(inner)) => {
                    let mut fresh = Map::new();
                    fresh.deep_assign(&Value::Object(inner.clone()));
                    self.insert(k.clone(), Value::Object(fresh));
                }
                _ => self.insert(k.clone(), v.clone()),
            }
        }
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// JavaScript's `Number(v)`, for the comparisons the shipped code makes.
pub fn js_number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.get(),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Null => 0.0,
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() { 0.0 } else { js_decimal(t).unwrap_or(f64::NAN) }
        }
        _ => f64::NAN,
    }
}

/// `v == n` in JavaScript (loose): numbers, numeric strings and booleans compare by
/// value; `null`, `undefined` and objects never equal a number here.
pub fn loose_eq_num(v: &Value, n: f64) -> bool {
    match v {
        Value::Number(_) | Value::String(_) | Value::Bool(_) => js_number(v) == n,
        _ => false,
    }
}

/// Builds an object in the given key order: `obj([("a", v), ("b", w)])`.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_insertion_order_and_replace_in_place() {
        let mut m = Map::new();
        m.insert("secureKey", "k".into());
        m.insert("alias", "1".into());
        m.insert("secureKey", "k2".into());
        assert_eq!(Value::Object(m).write(), r#"{"secureKey":"k2","alias":"1"}"#);
    }

    /// `String([...])` as JavaScript joins: commas, null and undefined items empty, nested
    /// arrays flattened the same way.
    #[test]
    fn arrays_stringify_as_javascript_joins_them() {
        let v = parse(r#"[1,null,"a",[2,3],true,{}]"#).unwrap();
        assert_eq!(v.to_js_string(), "1,,a,2,3,true,[object Object]");
        assert_eq!(Value::Array(Vec::new()).to_js_string(), "");
    }

    #[test]
    fn assign_spreads_arrays_by_index_like_object_assign() {
        let mut m = Map::new();
        m.insert("a", Value::int(1));
        m.assign(&parse("[1,2]").unwrap());
        assert_eq!(Value::Object(m).write(), r#"{"a":1,"0":1,"1":2}"#);
    }

    #[test]
    fn deep_assign_merges_nested_objects() {
        let mut m = Map::new();
        m.deep_assign(&parse(r#"{"routing":{"targetType":"QUEUE","priority":2}}"#).unwrap());
        m.deep_assign(&parse(r#"{"routing":{"priority":5}}"#).unwrap());
        assert_eq!(Value::Object(m).write(), r#"{"routing":{"targetType":"QUEUE","priority":5}}"#);
    }

    #[test]
    fn truthiness_is_javascripts() {
        for (text, t) in [("0", false), ("1", true), ("\"\"", false), ("\"0\"", true), ("null", false), ("[]", true), ("{}", true)] {
            assert_eq!(parse(text).unwrap().truthy(), t, "{text}");
        }
        assert!(!Value::Undefined.truthy());
    }
}
