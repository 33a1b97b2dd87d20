//! Prefilters: JavaScript `RegExp`s translated once into the linear-time `regex` crate.
//!
//! A hostile agent message cannot freeze the page through an integrator's filter, because
//! the `regex` crate never backtracks. Patterns it cannot express (look-around,
//! back-references) are refused with a reason instead of being silently dropped.
//! JavaScript semantics are kept where the two differ: `\d`, `\w` and `\b` are ASCII,
//! `\s` is JavaScript's whitespace set, `.` stops at all four line terminators unless `s`.

use super::command::RegexSpec;
use regex_lite::Regex;

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

/// The other cases of `c` that JavaScript's `i` flag (without `u`) treats as equal.
fn case_variants(c: char) -> Vec<char> {
    let mut v = Vec::new();
    for candidate in c.to_lowercase().chain(c.to_uppercase()) {
        let single = c.to_lowercase().count() == 1 && c.to_uppercase().count() == 1;
        // JS never folds a non-ASCII character onto an ASCII one.
        if single && candidate != c && (c.is_ascii() || !candidate.is_ascii()) && !v.contains(&candidate) {
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
}

impl Filter {
    pub fn compile(spec: &RegexSpec) -> Result<Filter, String> {
        let translated = translate(&spec.source, &spec.flags)?;
        let regex = Regex::new(&translated).map_err(|e| format!("{}: {e}", spec.display()))?;
        Ok(Filter { spec: spec.clone(), regex })
    }
    /// `re.test(text)`.
    pub fn test(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// The standard filter plus the integrator's, deduplicated by `String(re)`.
#[derive(Debug, Clone)]
pub struct FilterSet {
    standard: Filter,
    custom: Vec<Filter>,
}

impl Default for FilterSet {
    fn default() -> Self {
        // The standard filter is a constant pattern the translator is tested on.
        // A constant pattern the translator is tested on; should it ever fail, the set
        // still works (with a filter that never matches) rather than panic.
        let standard = Filter::compile(&standard_filter()).unwrap_or_else(|_| Filter {
            spec: standard_filter(),
            regex: never_regex(),
        });
        FilterSet { standard, custom: Vec::new() }
    }
}

fn never_regex() -> Regex {
    Regex::new(NEVER).expect("constant pattern")
}

impl FilterSet {
    /// Compiles and adds filters. All or nothing: one bad pattern refuses the call.
    pub fn add(&mut self, specs: &[RegexSpec]) -> Result<(), String> {
        let compiled = specs.iter().map(Filter::compile).collect::<Result<Vec<_>, _>>()?;
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
        self.standard.test(text) || self.custom.iter().any(|f| f.test(text))
    }
    /// The persisted form: `{"custom":[{"source":..,"flags":..}]}`.
    pub fn to_cookie(&self) -> String {
        serde_json::json!({ "custom": self.custom_specs() }).to_string()
    }
    /// Reads the persisted form; unreadable entries are skipped.
    pub fn specs_from_cookie(text: &str) -> Vec<RegexSpec> {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
        v.get("custom")
            .and_then(|c| c.as_array())
            .map(|items| items.iter().filter_map(|i| serde_json::from_value(i.clone()).ok()).collect())
            .unwrap_or_default()
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

/// Translates a JavaScript pattern and flags into `regex-lite` syntax. Every literal is
/// written as an escape and every class as explicit ranges, so no JavaScript character can
/// mean something else to `regex-lite`.
pub fn translate(source: &str, flags: &str) -> Result<String, String> {
    for f in flags.chars() {
        if !"imsugyd".contains(f) {
            return Err(format!("unknown RegExp flag '{f}'"));
        }
    }
    let ci = flags.contains('i');
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
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let (atom, next) = escape(&chars, i + 1, unicode, false)?;
                emit_atom(&atom, ci, &mut out);
                i = next;
            }
            '[' => i = class(&chars, i, ci, unicode, &mut out)?,
            '.' => {
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
                if rest.starts_with("(?<") {
                    out.push_str("(?P<");
                    i += 3;
                } else {
                    out.push('(');
                    i += 1;
                }
            }
            '{' => match quantifier(&chars, i) {
                Some(end) => {
                    out.extend(&chars[i..=end]);
                    i = end + 1;
                }
                None => {
                    push_char('{' as u32, &mut out);
                    i += 1;
                }
            },
            c @ (')' | '|' | '*' | '+' | '?' | '^' | '$') => {
                out.push(c);
                i += 1;
            }
            c => {
                emit_atom(&Atom::Char(c as u32), ci, &mut out);
                i += 1;
            }
        }
    }
    Ok(out)
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

fn emit_atom(atom: &Atom, ci: bool, out: &mut String) {
    match atom {
        Atom::Char(cp) => {
            let variants = if ci { char::from_u32(*cp).map(case_variants).unwrap_or_default() } else { Vec::new() };
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
fn class(chars: &[char], i: usize, ci: bool, unicode: bool, out: &mut String) -> Result<usize, String> {
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
    if ci {
        let mut extra = Vec::new();
        for &(lo, hi) in &ranges {
            if hi - lo <= 512 {
                for cp in lo.max(0x80)..=hi {
                    if let Some(c) = char::from_u32(cp) {
                        extra.extend(case_variants(c).into_iter().map(|v| (v as u32, v as u32)));
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
    ranges.sort_unstable();
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
        Filter::compile(&RegexSpec::new(source, flags)).unwrap().test(text)
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
            assert!(Filter::compile(&RegexSpec::new(p, "")).is_err(), "{p}");
        }
    }

    #[test]
    fn catastrophic_patterns_run_in_linear_time() {
        let f = Filter::compile(&RegexSpec::new("^(a+)+$", "")).unwrap();
        let text = "a".repeat(5000) + "!";
        assert!(!f.test(&text));
    }

    #[test]
    fn filters_dedupe_and_survive_the_cookie() {
        let mut set = FilterSet::default();
        set.add(&[RegexSpec::new("x", "i"), RegexSpec::new("x", "i")]).unwrap();
        assert_eq!(set.custom_specs().len(), 1);
        let back = FilterSet::specs_from_cookie(&set.to_cookie());
        assert_eq!(back, vec![RegexSpec::new("x", "i")]);
        assert!(FilterSet::specs_from_cookie("garbage{").is_empty());
    }
}
