//! Prefilters: JavaScript `RegExp`s translated once for the linear-time matcher
//! ([`super::regex`]).
//!
//! A hostile agent message cannot freeze the page through an integrator's filter, because
//! the matcher never backtracks. Patterns it cannot express (look-around,
//! back-references) are refused with a reason instead of being silently dropped.
//! JavaScript semantics are kept where the two differ: `\d`, `\w` and `\b` are ASCII,
//! `\s` is JavaScript's whitespace set, `.` stops at all four line terminators unless `s`.

use super::json::{self, Map, RegexSpec, Value};
use super::regex::Regex;

/// The co-browse token filter that always exists: `/\{start\:[0-9]{9}\}/`.
pub fn standard_filter() -> RegexSpec {
    RegexSpec::new(r"\{start\:[0-9]{9}\}", "")
}

/// JavaScript's `\s`: its whitespace and line terminators, as sorted code-point ranges.
const JS_SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
];
/// `\w` without the `u` flag: ASCII only.
const JS_WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];
const JS_DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
/// Never matches (a position cannot be a word boundary and not one).
const NEVER: &str = r"(?:\b\B)";

fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(lo, hi) in ranges {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi + 1;
    }
    if next <= 0x10FFFF {
        out.push((next, 0x10FFFF));
    }
    out
}

fn push_ranges(ranges: &[(u32, u32)], out: &mut String) {
    for &(lo, hi) in ranges {
        push_char(lo, out);
        if hi != lo {
            out.push('-');
            push_char(hi, out);
        }
    }
}

/// A code point as an escape: no literal ever needs context-dependent escaping.
fn push_char(cp: u32, out: &mut String) {
    match char::from_u32(cp) {
        Some(c) if c.is_ascii_alphanumeric() => out.push(c),
        _ => out.push_str(&format!("\\x{{{cp:X}}}")),
    }
}

/// A character's simple case mappings: its lower and upper case when each is one
/// character (`None` otherwise). Filters with the `i` flag need them for non-ASCII letters.
///
/// The browser answers with the page's own `toLowerCase`/`toUpperCase`, which keeps
/// Unicode's case tables (about 12 KB of the gzipped wasm) out of the plugin; natively
/// [`RustCases`] answers from Rust's tables (the same Unicode data).
pub trait CaseMap {
    fn cases(&self, c: char) -> [Option<char>; 2];
}

/// Rust's Unicode case tables (native use: tests, fuzzing, the in-memory host).
pub struct RustCases;

impl CaseMap for RustCases {
    fn cases(&self, c: char) -> [Option<char>; 2] {
        let single = |mut it: std::iter::Peekable<std::vec::IntoIter<char>>| {
            let first = it.next();
            if it.peek().is_some() { None } else { first }
        };
        [
            single(c.to_lowercase().collect::<Vec<_>>().into_iter().peekable()),
            single(c.to_uppercase().collect::<Vec<_>>().into_iter().peekable()),
        ]
    }
}

/// For patterns without the `i` flag (never asked); referencing [`RustCases`] here would
/// link its tables into the wasm.
struct NoCases;

impl CaseMap for NoCases {
    fn cases(&self, _: char) -> [Option<char>; 2] {
        [None, None]
    }
}

/// The other cases of `c` that JavaScript's `i` flag (without `u`) treats as equal.
fn case_variants(c: char, map: &dyn CaseMap) -> Vec<char> {
    let [lower, upper] = map.cases(c);
    let (Some(lower), Some(upper)) = (lower, upper) else { return Vec::new() };
    let mut v = Vec::new();
    for candidate in [lower, upper] {
        // JS never folds a non-ASCII character onto an ASCII one.
        if candidate != c && (c.is_ascii() || !candidate.is_ascii()) && !v.contains(&candidate) {
            v.push(candidate);
        }
    }
    v
}

/// One compiled filter with the spec it came from.
#[derive(Debug, Clone)]
pub struct Filter {
    pub spec: RegexSpec,
    regex: Regex,
    /// A literal every match contains (ASCII-lowercased when the filter ignores case).
    /// The matcher has no literal optimisations; checking this first makes the common
    /// case (the text does not contain it) a plain substring search.
    required: Option<String>,
    ignore_case: bool,
}

impl Filter {
    pub fn compile(spec: &RegexSpec, cases: &dyn CaseMap) -> Result<Filter, String> {
        let t = translate_with_literal(spec.source(), spec.flags(), cases)?;
        let regex = Regex::new(&t.pattern).map_err(|e| format!("{}: {e}", spec.display()))?;
        Ok(Filter { spec: spec.clone(), regex, required: t.required, ignore_case: spec.flags().contains('i') })
    }
    /// `re.test(text)`.
    pub fn test(&self, text: &str) -> bool {
        self.test_folded(text, &mut Seen::default())
    }
    /// `re.test(text)`, with the ASCII-lowercased text (and the sieves) computed at most
    /// once per message across filters.
    fn test_folded(&self, text: &str, seen: &mut Seen) -> bool {
        if let Some(lit) = &self.required {
            let (haystack, sieve) = if self.ignore_case { seen.folded(text) } else { seen.plain(text) };
            if !sieve.may_contain(lit.as_bytes()) || !haystack.contains(lit.as_str()) {
                return false;
            }
        }
        self.regex.is_match(text)
    }
}

/// Which byte pairs a text contains, hashed into 4096 bits: a literal whose first pair is
/// absent cannot occur, so most filters are dismissed with one bit test per message.
struct Sieve([u64; 64]);

impl Sieve {
    fn bucket(a: u8, b: u8) -> usize {
        ((a as usize) << 5 ^ (b as usize) ^ ((a as usize) >> 3)) & 4095
    }
    fn of(text: &str) -> Sieve {
        let mut bits = [0u64; 64];
        for w in text.as_bytes().windows(2) {
            let i = Sieve::bucket(w[0], w[1]);
            bits[i / 64] |= 1 << (i % 64);
        }
        Sieve(bits)
    }
    fn may_contain(&self, literal: &[u8]) -> bool {
        match literal {
            [a, b, ..] => {
                let i = Sieve::bucket(*a, *b);
                self.0[i / 64] & (1 << (i % 64)) != 0
            }
            _ => true,
        }
    }
}

/// One message's text as the filters need it, each form built on first use.
#[derive(Default)]
struct Seen {
    plain: Option<Sieve>,
    folded: Option<(String, Sieve)>,
}

impl Seen {
    fn plain<'a>(&'a mut self, text: &'a str) -> (&'a str, &'a Sieve) {
        (text, self.plain.get_or_insert_with(|| Sieve::of(text)))
    }
    fn folded(&mut self, text: &str) -> (&str, &Sieve) {
        let (lower, sieve) = self.folded.get_or_insert_with(|| {
            let lower = text.to_ascii_lowercase();
            let sieve = Sieve::of(&lower);
            (lower, sieve)
        });
        (lower.as_str(), sieve)
    }
}

/// The standard filter plus the integrator's, deduplicated by `String(re)`.
#[derive(Debug, Clone)]
pub struct FilterSet {
    standard: Filter,
    custom: Vec<Filter>,
    /// The filters-cookie text these were last loaded from (so an unchanged cookie is
    /// not read again).
    pub synced: Option<String>,
}

impl Default for FilterSet {
    fn default() -> Self {
        // The standard filter is a constant pattern the translator is tested on.
        // A constant pattern the translator is tested on; should it ever fail, the set
        // still works (with a filter that never matches) rather than panic.
        let standard = Filter::compile(&standard_filter(), &NoCases).unwrap_or_else(|_| Filter {
            spec: standard_filter(),
            regex: never_regex(),
            required: None,
            ignore_case: false,
        });
        FilterSet { standard, custom: Vec::new(), synced: None }
    }
}

fn never_regex() -> Regex {
    Regex::never()
}

impl FilterSet {
    /// Compiles and adds filters. All or nothing: one bad pattern refuses the call.
    pub fn add(&mut self, specs: &[RegexSpec], cases: &dyn CaseMap) -> Result<(), String> {
        let compiled = specs.iter().map(|s| Filter::compile(s, cases)).collect::<Result<Vec<_>, _>>()?;
        for f in compiled {
            if !self.custom.iter().any(|c| c.spec.display() == f.spec.display()) {
                self.custom.push(f);
            }
        }
        Ok(())
    }
    pub fn custom_specs(&self) -> Vec<RegexSpec> {
        self.custom.iter().map(|f| f.spec.clone()).collect()
    }
    pub fn clear(&mut self) {
        self.custom.clear();
    }
    pub fn matches(&self, text: &str) -> bool {
        let mut seen = Seen::default();
        self.standard.test_folded(text, &mut seen) || self.custom.iter().any(|f| f.test_folded(text, &mut seen))
    }
    /// The persisted form: `{"custom":[{"source":..,"flags":..}]}`, keys in that order.
    pub fn to_cookie(&self) -> String {
        let list = self
            .custom
            .iter()
            .map(|f| json::obj([("source", Value::str(f.spec.source())), ("flags", Value::str(f.spec.flags()))]))
            .collect();
        let mut root = Map::new();
        root.insert("custom", Value::Array(list));
        Value::Object(root).write()
    }
    /// Reads the persisted form; `None` when it is not that shape, unreadable entries
    /// skipped.
    pub fn specs_from_cookie(text: &str) -> Option<Vec<RegexSpec>> {
        let v = json::parse(text).ok()?;
        let items = v.get("custom").as_array()?;
        Some(
            items
                .iter()
                .filter_map(|i| Some(RegexSpec::new(i.get("source").as_str()?, i.get("flags").as_str().unwrap_or(""))))
                .collect(),
        )
    }
    pub fn custom_len(&self) -> usize {
        self.custom.len()
    }
}

/// One unit of a JavaScript pattern after escapes are resolved.
enum Atom {
    Char(u32),
    /// A set of code points (`\d`, `\S`, ...), as sorted ranges.
    Set(Vec<(u32, u32)>),
    /// An assertion passed through as is (`\b`, `\B`: ASCII in both engines).
    Raw(&'static str),
}

/// A translated pattern and the literal every match must contain, if one is known.
pub struct Translated {
    pub pattern: String,
    pub required: Option<String>,
}

/// Translates a JavaScript pattern and flags into the matcher's syntax. Every literal is
/// written as an escape and every class as explicit ranges, so no JavaScript character can
/// mean something else to the matcher. Groups become non-capturing (filters only test).
pub fn translate(source: &str, flags: &str, cases: &dyn CaseMap) -> Result<String, String> {
    translate_with_literal(source, flags, cases).map(|t| t.pattern)
}

/// Tracks runs of top-level literal characters to find one every match must contain.
#[derive(Default)]
struct LiteralRuns {
    current: String,
    best: String,
    /// A top-level `|`: no single literal is required.
    alternation: bool,
}

impl LiteralRuns {
    fn push(&mut self, c: char) {
        self.current.push(c);
    }
    fn end(&mut self) {
        if self.current.len() > self.best.len() {
            self.best = std::mem::take(&mut self.current);
        } else {
            self.current.clear();
        }
    }
    /// The character just pushed may repeat zero times (`?`, `*`, `{0…}`): not required.
    fn optional_last(&mut self) {
        self.current.pop();
        self.end();
    }
    fn required(mut self) -> Option<String> {
        self.end();
        (!self.alternation && !self.best.is_empty()).then_some(self.best)
    }
}

fn translate_with_literal(source: &str, flags: &str, cases: &dyn CaseMap) -> Result<Translated, String> {
    for f in flags.chars() {
        if !"imsugyd".contains(f) {
            return Err(format!("unknown RegExp flag '{f}'"));
        }
    }
    let ci = flags.contains('i');
    // Case variants are looked up only for patterns that ignore case.
    let fold = ci.then_some(cases);
    let unicode = flags.contains('u');
    let dot_all = flags.contains('s');
    let mut out = String::new();
    if ci {
        out.push_str("(?i)");
    }
    if flags.contains('m') {
        out.push_str("(?m)");
    }
    let chars: Vec<char> = source.chars().collect();
    let mut runs = LiteralRuns::default();
    let mut depth = 0usize;
    // A literal at top level extends the current run, unless a quantifier that allows
    // zero repetitions follows it; anything else ends the run.
    let literal = |c: u32, next: Option<&char>, depth: usize, runs: &mut LiteralRuns| {
        let usable = depth == 0 && char::from_u32(c).is_some_and(|ch| !ci || ch.is_ascii());
        if !usable {
            runs.end();
            return;
        }
        let ch = char::from_u32(c).unwrap_or('\0');
        runs.push(if ci { ch.to_ascii_lowercase() } else { ch });
        match next {
            Some('?') | Some('*') => runs.optional_last(),
            Some('{') => runs.optional_last(),
            Some('+') => runs.end(),
            _ => {}
        }
    };
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (atom, next) = escape(&chars, i + 1, unicode, false)?;
                match atom {
                    Atom::Char(c) => literal(c, chars.get(next), depth, &mut runs),
                    _ => runs.end(),
                }
                emit_atom(&atom, fold, &mut out);
                i = next;
            }
            '[' => {
                runs.end();
                i = class(&chars, i, fold, unicode, &mut out)?;
            }
            '.' => {
                runs.end();
                out.push_str(if dot_all { "(?s:.)" } else { r"[^\n\r\x{2028}\x{2029}]" });
                i += 1;
            }
            '(' => {
                let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
                if rest.starts_with("(?=") || rest.starts_with("(?!") {
                    return Err("look-ahead is not supported".into());
                }
                if rest.starts_with("(?<=") || rest.starts_with("(?<!") {
                    return Err("look-behind is not supported".into());
                }
                runs.end();
                depth += 1;
                if rest.starts_with("(?<") {
                    // A named group: only tested, never captured.
                    let close = chars[i..].iter().position(|&c| c == '>').ok_or("unterminated group name")?;
                    out.push_str("(?:");
                    i += close + 1;
                } else if rest.starts_with("(?:") {
                    out.push_str("(?:");
                    i += 3;
                } else {
                    out.push_str("(?:");
                    i += 1;
                }
            }
            '{' => match quantifier(&chars, i) {
                Some(end) => {
                    out.extend(&chars[i..=end]);
                    i = end + 1;
                }
                None => {
                    literal('{' as u32, chars.get(i + 1), depth, &mut runs);
                    push_char('{' as u32, &mut out);
                    i += 1;
                }
            },
            c @ (')' | '|' | '*' | '+' | '?' | '^' | '$') => {
                match c {
                    ')' => depth = depth.saturating_sub(1),
                    '|' if depth == 0 => runs.alternation = true,
                    _ => {}
                }
                runs.end();
                out.push(c);
                i += 1;
            }
            c => {
                literal(c as u32, chars.get(i + 1), depth, &mut runs);
                emit_atom(&Atom::Char(c as u32), fold, &mut out);
                i += 1;
            }
        }
    }
    Ok(Translated { pattern: out, required: runs.required() })
}

/// The index of the `}` closing a valid `{n}`, `{n,}` or `{n,m}` at `i`; JavaScript reads
/// any other brace as a literal.
fn quantifier(chars: &[char], i: usize) -> Option<usize> {
    let end = chars[i..].iter().position(|&c| c == '}')? + i;
    let body: String = chars[i + 1..end].iter().collect();
    let (n, m) = match body.split_once(',') {
        Some((n, m)) => (n, Some(m)),
        None => (body.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (digits(n) && m.is_none_or(|m| m.is_empty() || digits(m))).then_some(end)
}

fn emit_atom(atom: &Atom, fold: Option<&dyn CaseMap>, out: &mut String) {
    match atom {
        Atom::Char(cp) => {
            let variants = match (fold, char::from_u32(*cp)) {
                (Some(map), Some(c)) => case_variants(c, map),
                _ => Vec::new(),
            };
            if variants.is_empty() || (*cp < 0x80) {
                push_char(*cp, out);
            } else {
                out.push('[');
                push_char(*cp, out);
                for v in variants {
                    push_char(v as u32, out);
                }
                out.push(']');
            }
        }
        Atom::Set(ranges) => {
            out.push('[');
            push_ranges(ranges, out);
            out.push(']');
        }
        Atom::Raw(s) => out.push_str(s),
    }
}

/// Reads a class starting at `chars[i] == '['`, writes it, returns the index after it.
fn class(chars: &[char], i: usize, fold: Option<&dyn CaseMap>, unicode: bool, out: &mut String) -> Result<usize, String> {
    let mut j = i + 1;
    let negated = chars.get(j) == Some(&'^');
    if negated {
        j += 1;
    }
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    loop {
        let Some(&c) = chars.get(j) else { return Err("unterminated character class".into()) };
        if c == ']' {
            j += 1;
            break;
        }
        let (first, next) = class_atom(chars, j, unicode)?;
        j = next;
        let is_range = chars.get(j) == Some(&'-') && chars.get(j + 1).is_some_and(|&c| c != ']');
        match (first, is_range) {
            (Atom::Char(lo), true) => {
                let (second, next) = class_atom(chars, j + 1, unicode)?;
                match second {
                    Atom::Char(hi) if hi >= lo => {
                        ranges.push((lo, hi));
                        j = next;
                    }
                    Atom::Char(_) => return Err("character class range out of order".into()),
                    // `[a-\d]`: annex B reads the dash literally.
                    Atom::Set(set) => {
                        ranges.push((lo, lo));
                        ranges.push(('-' as u32, '-' as u32));
                        ranges.extend(set);
                        j = next;
                    }
                    Atom::Raw(_) => return Err("unsupported escape in a class range".into()),
                }
            }
            (Atom::Char(cp), false) => ranges.push((cp, cp)),
            (Atom::Set(set), _) => ranges.extend(set),
            (Atom::Raw(_), _) => return Err("unsupported escape in a character class".into()),
        }
    }
    if let Some(map) = fold {
        let mut extra = Vec::new();
        for &(lo, hi) in &ranges {
            if hi - lo <= 512 {
                for cp in lo.max(0x80)..=hi {
                    if let Some(c) = char::from_u32(cp) {
                        extra.extend(case_variants(c, map).into_iter().map(|v| (v as u32, v as u32)));
                    }
                }
            }
        }
        ranges.extend(extra);
    }
    let ranges = normalize_ranges(ranges);
    match (ranges.is_empty(), negated) {
        (true, true) => out.push_str("(?s:.)"),
        (true, false) => out.push_str(NEVER),
        (false, _) => {
            out.push('[');
            if negated {
                out.push('^');
            }
            push_ranges(&ranges, out);
            out.push(']');
        }
    }
    Ok(j)
}

fn class_atom(chars: &[char], j: usize, unicode: bool) -> Result<(Atom, usize), String> {
    match chars.get(j) {
        Some('\\') => match chars.get(j + 1) {
            Some('b') => Ok((Atom::Char(8), j + 2)),
            Some('-') => Ok((Atom::Char('-' as u32), j + 2)),
            _ => escape(chars, j + 1, unicode, true),
        },
        Some(&c) => Ok((Atom::Char(c as u32), j + 1)),
        None => Err("unterminated character class".into()),
    }
}

fn normalize_ranges(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    crate::engine::sort::merge_sort(&mut ranges);
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// Resolves the escape whose letter is at `chars[j]`; returns the atom and the next index.
fn escape(chars: &[char], j: usize, unicode: bool, in_class: bool) -> Result<(Atom, usize), String> {
    let Some(&e) = chars.get(j) else { return Err("pattern ends with a lone backslash".into()) };
    let hex = |from: usize, len: usize| -> Option<u32> {
        let s: String = chars.get(from..from + len)?.iter().collect();
        s.chars().all(|c| c.is_ascii_hexdigit()).then(|| u32::from_str_radix(&s, 16).ok()).flatten()
    };
    let one = |cp: u32| Ok((Atom::Char(cp), j + 1));
    match e {
        'd' => Ok((Atom::Set(JS_DIGIT.to_vec()), j + 1)),
        'D' => Ok((Atom::Set(complement(JS_DIGIT)), j + 1)),
        'w' => Ok((Atom::Set(JS_WORD.to_vec()), j + 1)),
        'W' => Ok((Atom::Set(complement(JS_WORD)), j + 1)),
        's' => Ok((Atom::Set(JS_SPACE.to_vec()), j + 1)),
        'S' => Ok((Atom::Set(complement(JS_SPACE)), j + 1)),
        'b' if !in_class => Ok((Atom::Raw(r"\b"), j + 1)),
        'B' if !in_class => Ok((Atom::Raw(r"\B"), j + 1)),
        'n' => one(0x0A),
        'r' => one(0x0D),
        't' => one(0x09),
        'f' => one(0x0C),
        'v' => one(0x0B),
        '0' if !chars.get(j + 1).is_some_and(char::is_ascii_digit) => one(0),
        '1'..='9' => Err("back-references are not supported".into()),
        'k' if chars.get(j + 1) == Some(&'<') => Err("named back-references are not supported".into()),
        'x' => match hex(j + 1, 2) {
            Some(cp) => Ok((Atom::Char(cp), j + 3)),
            None => one('x' as u32),
        },
        'u' if unicode && chars.get(j + 1) == Some(&'{') => {
            let end = chars[j..].iter().position(|&c| c == '}').map(|p| p + j).ok_or("unterminated \\u{...} escape")?;
            let s: String = chars[j + 2..end].iter().collect();
            let cp = u32::from_str_radix(&s, 16).map_err(|_| format!("bad \\u{{{s}}} escape"))?;
            if char::from_u32(cp).is_none() {
                return Err("lone surrogates cannot be matched".into());
            }
            Ok((Atom::Char(cp), end + 1))
        }
        'u' => match hex(j + 1, 4) {
            Some(hi) if (0xD800..0xDC00).contains(&hi) => {
                let lo = (chars.get(j + 5) == Some(&'\\') && chars.get(j + 6) == Some(&'u'))
                    .then(|| hex(j + 7, 4))
                    .flatten()
                    .filter(|lo| (0xDC00..0xE000).contains(lo));
                match lo {
                    Some(lo) => Ok((Atom::Char(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), j + 11)),
                    None => Err("lone surrogates cannot be matched".into()),
                }
            }
            Some(cp) if (0xDC00..0xE000).contains(&cp) => Err("lone surrogates cannot be matched".into()),
            Some(cp) => Ok((Atom::Char(cp), j + 5)),
            None => one('u' as u32),
        },
        'c' => match chars.get(j + 1) {
            Some(l) if l.is_ascii_alphabetic() => Ok((Atom::Char(*l as u32 % 32), j + 2)),
            _ => Err("\\c must be followed by a letter".into()),
        },
        'p' | 'P' if unicode => Err("Unicode property escapes are not supported".into()),
        // Identity escapes: the character itself.
        other => one(other as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(source: &str, flags: &str, text: &str) -> bool {
        Filter::compile(&RegexSpec::new(source, flags), &RustCases).unwrap().test(text)
    }

    #[test]
    fn standard_filter_hides_the_cobrowse_token() {
        let set = FilterSet::default();
        assert!(set.matches("{start:123456789}"));
        assert!(!set.matches("{start:12345}"));
    }

    #[test]
    fn javascript_classes_keep_their_ascii_meaning() {
        assert!(test(r"^\d+$", "", "123"));
        assert!(!test(r"^\d+$", "", "١٢٣")); // Arabic-Indic digits are not \d in JS
        assert!(test(r"\w", "", "_"));
        assert!(!test(r"^\w$", "", "é"));
        assert!(test(r"a\sb", "", "a\u{A0}b"));
        assert!(!test(r"a.b", "", "a\nb"));
        assert!(test(r"a.b", "s", "a\nb"));
        assert!(test(r"\bcat\b", "", "a cat!"));
        assert!(test(r"[\d\-x]", "", "-"));
        assert!(test(r"[^\D]", "", "5"));
    }

    #[test]
    fn flags_and_literal_braces_translate() {
        assert!(test("hello", "i", "HeLLo"));
        assert!(test("ÉTÉ", "i", "été"));
        assert!(test(r"a{2}", "", "xaa"));
        assert!(test(r"a{", "", "a{"));
        assert!(test(r"\u0041\x42", "", "AB"));
        assert!(test(r"\uD83D\uDE00", "", "😀"));
        assert!(!test(r"[]]", "", "]"));
        assert!(!test(r"[]", "", "anything"));
        assert!(test(r"[^]", "", "\n"));
        assert!(test(r"a/b", "g", "a/b"));
    }

    #[test]
    fn unsupported_patterns_are_refused_with_a_reason() {
        for p in [r"(?=x)", r"(?<!x)y", r"(a)\1", r"[abc"] {
            assert!(Filter::compile(&RegexSpec::new(p, ""), &RustCases).is_err(), "{p}");
        }
    }

    #[test]
    fn required_literals_are_found_only_where_every_match_has_them() {
        let lit = |src: &str, flags: &str| translate_with_literal(src, flags, &RustCases).unwrap().required;
        assert_eq!(lit(r"\{start\:[0-9]{9}\}", ""), Some("{start:".into()));
        assert_eq!(lit("Secret(s)?", "i"), Some("secret".into()));
        assert_eq!(lit("colou?r", ""), Some("colo".into()));
        assert_eq!(lit("ab*c", ""), Some("a".into()), "b may be absent, so 'abc' is not required");
        assert_eq!(lit("cat|dog", ""), None);
        assert_eq!(lit("(cat|dog)food", ""), Some("food".into()));
        assert_eq!(lit("x{0,3}yz", ""), Some("yz".into()));
        assert_eq!(lit("été", "i"), Some("t".into()), "non-ASCII letters fold outside the ASCII prefilter");
        // The prefilter never changes an answer.
        for (src, flags, text, expected) in [("Secret", "i", "a SECRET b", true), ("colou?r", "", "color", true),
            ("(cat|dog)food", "", "dogfood", true), ("(cat|dog)food", "", "catnip", false)] {
            assert_eq!(test(src, flags, text), expected, "{src}");
        }
    }

    #[test]
    fn the_sieve_never_dismisses_a_match() {
        let mut set = FilterSet::default();
        let specs: Vec<_> = (0..60).map(|i| RegexSpec::new(format!("needle{i}x"), if i % 2 == 0 { "i" } else { "" })).collect();
        set.add(&specs, &RustCases).unwrap();
        for i in 0..60 {
            let word = if i % 2 == 0 { format!("NEEDLE{i}X") } else { format!("needle{i}x") };
            assert!(set.matches(&format!("hay {word} stack")), "{word}");
            assert!(!set.matches(&format!("hay needle{i} stack")));
        }
    }

    #[test]
    fn arbitrary_patterns_never_panic() {
        // Integrators' RegExps are outside input: any source and flags must translate or
        // be refused, never panic. Seeded, so a failure reproduces.
        let alphabet: Vec<char> = r"\[]{}()^$.|?*+-,:=!<>0123456789abcdefuxkpPbBcdDwWsSnrtv/é😀 ".chars().collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..20_000 {
            let len = next(12);
            let source: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let flags = ["", "i", "u", "s", "m", "iu", "gimsuy", "z"][next(8)];
            if let Ok(f) = Filter::compile(&RegexSpec::new(source, flags), &RustCases) {
                let _ = f.test("some text {start:123456789} with é and 😀");
            }
        }
    }

    #[test]
    fn catastrophic_patterns_run_in_linear_time() {
        let f = Filter::compile(&RegexSpec::new("^(a+)+$", ""), &RustCases).unwrap();
        let text = "a".repeat(5000) + "!";
        assert!(!f.test(&text));
    }

    #[test]
    fn filters_dedupe_and_survive_the_cookie() {
        let mut set = FilterSet::default();
        set.add(&[RegexSpec::new("x", "i"), RegexSpec::new("x", "i")], &RustCases).unwrap();
        assert_eq!(set.custom_specs().len(), 1);
        assert_eq!(set.to_cookie(), r#"{"custom":[{"source":"x","flags":"i"}]}"#, "the shipped key order");
        let back = FilterSet::specs_from_cookie(&set.to_cookie());
        assert_eq!(back, Some(vec![RegexSpec::new("x", "i")]));
        assert!(FilterSet::specs_from_cookie("garbage{").is_none());
    }
}
