//! Prefilters: JavaScript `RegExp`s translated once into the linear-time `regex` crate.
//!
//! A hostile agent message cannot freeze the page through an integrator's filter, because
//! the `regex` crate never backtracks. Patterns it cannot express (look-around,
//! back-references) are refused with a reason instead of being silently dropped.
//! JavaScript semantics are kept where the two differ: `\d`, `\w` and `\b` are ASCII,
//! `\s` is JavaScript's whitespace set, `.` stops at all four line terminators unless `s`.

use super::command::RegexSpec;
use regex::Regex;

/// The co-browse token filter that always exists: `/\{start\:[0-9]{9}\}/`.
pub fn standard_filter() -> RegexSpec {
    RegexSpec::new(r"\{start\:[0-9]{9}\}", "")
}

const JS_SPACE: &str = r"\t\n\x{0B}\x{0C}\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const JS_WORD: &str = "0-9A-Za-z_";
const JS_DIGIT: &str = "0-9";

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
        let standard = Filter::compile(&standard_filter()).unwrap_or_else(|_| Filter {
            spec: standard_filter(),
            regex: Regex::new(r"\{start:[0-9]{9}\}").unwrap_or_else(|_| unreachable_regex()),
        });
        FilterSet { standard, custom: Vec::new() }
    }
}

fn unreachable_regex() -> Regex {
    // `[^\x{0}-\x{10FFFF}]` is valid syntax for an empty class; it never matches.
    Regex::new(r"[^\x{0}-\x{10FFFF}]").expect("constant empty-class pattern")
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

/// Translates a JavaScript pattern and flags into `regex` crate syntax.
pub fn translate(source: &str, flags: &str) -> Result<String, String> {
    let mut out = String::new();
    let unicode_mode = flags.contains('u');
    for f in flags.chars() {
        match f {
            'i' | 'm' | 's' | 'u' | 'g' | 'y' | 'd' | 'v' => {}
            other => return Err(format!("unknown RegExp flag '{other}'")),
        }
    }
    if flags.contains('i') {
        out.push_str("(?i)");
    }
    if flags.contains('m') {
        out.push_str("(?m)");
    }
    let dot_all = flags.contains('s');
    let chars: Vec<char> = source.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 1;
            let Some(&e) = chars.get(i) else { return Err("pattern ends with a lone backslash".into()) };
            i = translate_escape(&chars, i, e, in_class, unicode_mode, &mut out)?;
            continue;
        }
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                if chars.get(i + 1) == Some(&']') {
                    out.push_str(r"[^\x{0}-\x{10FFFF}]");
                    i += 2;
                    continue;
                }
                if chars.get(i + 1) == Some(&'^') && chars.get(i + 2) == Some(&']') {
                    out.push_str("(?s:.)");
                    i += 3;
                    continue;
                }
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            '.' if dot_all => out.push_str("(?s:.)"),
            '.' => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    match (chars.get(i + 2), chars.get(i + 3)) {
                        (Some('='), _) | (Some('!'), _) => return Err("look-ahead is not supported".into()),
                        (Some('<'), Some('=')) | (Some('<'), Some('!')) => {
                            return Err("look-behind is not supported".into())
                        }
                        _ => {}
                    }
                }
                out.push('(');
            }
            '{' => {
                // A brace that does not open a valid {n}, {n,} or {n,m} is a literal in JS.
                let rest: String = chars[i..].iter().take_while(|&&ch| ch != '}').collect();
                let body = &rest[1..];
                let valid = chars[i..].contains(&'}')
                    && !body.is_empty()
                    && body.split(',').count() <= 2
                    && body.split(',').next().is_some_and(|n| !n.is_empty() && n.chars().all(|d| d.is_ascii_digit()))
                    && body.split(',').nth(1).is_none_or(|m| m.chars().all(|d| d.is_ascii_digit()));
                out.push_str(if valid { "{" } else { r"\{" });
            }
            '}' => {
                // Closing brace of a quantifier we opened, else a literal.
                if out_has_open_quantifier(&out) {
                    out.push('}');
                } else {
                    out.push_str(r"\}");
                }
            }
            ']' => out.push_str(r"\]"),
            '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    Ok(out)
}

fn out_has_open_quantifier(out: &str) -> bool {
    let last_open = out.rfind('{');
    let last_close = out.rfind('}');
    match last_open {
        Some(o) if o == 0 || out.as_bytes()[o - 1] != b'\\' => last_close.is_none_or(|c| c < o),
        _ => false,
    }
}

/// Translates the escape whose letter `e` is at `chars[i]`; returns the next index.
fn translate_escape(
    chars: &[char],
    i: usize,
    e: char,
    in_class: bool,
    unicode_mode: bool,
    out: &mut String,
) -> Result<usize, String> {
    let class = |body: &str, negated: bool, out: &mut String| {
        match (in_class, negated) {
            (true, false) => out.push_str(body),
            (_, true) => {
                out.push_str("[^");
                out.push_str(body);
                out.push(']');
            }
            (false, false) => {
                out.push('[');
                out.push_str(body);
                out.push(']');
            }
        }
    };
    let hex = |from: usize, len: usize| -> Option<u32> {
        let s: String = chars.get(from..from + len)?.iter().collect();
        if s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit()) {
            u32::from_str_radix(&s, 16).ok()
        } else {
            None
        }
    };
    let push_cp = |cp: u32, out: &mut String| -> Result<(), String> {
        if (0xD800..=0xDFFF).contains(&cp) {
            return Err("lone surrogate escapes are not supported".into());
        }
        out.push_str(&format!("\\x{{{cp:X}}}"));
        Ok(())
    };
    match e {
        'd' => class(JS_DIGIT, false, out),
        'D' => class(JS_DIGIT, true, out),
        'w' => class(JS_WORD, false, out),
        'W' => class(JS_WORD, true, out),
        's' => class(JS_SPACE, false, out),
        'S' => class(JS_SPACE, true, out),
        'b' if in_class => out.push_str(r"\x{8}"),
        'b' => out.push_str(r"(?-u:\b)"),
        'B' => out.push_str(r"(?-u:\B)"),
        'n' => out.push_str(r"\n"),
        'r' => out.push_str(r"\r"),
        't' => out.push_str(r"\t"),
        'f' => out.push_str(r"\x{0C}"),
        'v' => out.push_str(r"\x{0B}"),
        '0' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => out.push_str(r"\x{0}"),
        '1'..='9' => return Err("back-references are not supported".into()),
        'k' if chars.get(i + 1) == Some(&'<') => return Err("named back-references are not supported".into()),
        'x' => match hex(i + 1, 2) {
            Some(cp) => {
                push_cp(cp, out)?;
                return Ok(i + 3);
            }
            None => out.push('x'),
        },
        'u' => {
            if unicode_mode && chars.get(i + 1) == Some(&'{') {
                let end = chars[i..].iter().position(|&c| c == '}').map(|p| p + i);
                let Some(end) = end else { return Err("unterminated \\u{...} escape".into()) };
                let s: String = chars[i + 2..end].iter().collect();
                let cp = u32::from_str_radix(&s, 16).map_err(|_| format!("bad \\u{{{s}}} escape"))?;
                push_cp(cp, out)?;
                return Ok(end + 1);
            }
            match hex(i + 1, 4) {
                Some(hi) if (0xD800..0xDC00).contains(&hi) => {
                    // A surrogate pair written as two escapes is one code point.
                    if chars.get(i + 5) == Some(&'\\') && chars.get(i + 6) == Some(&'u') {
                        if let Some(lo) = hex(i + 7, 4).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            push_cp(cp, out)?;
                            return Ok(i + 11);
                        }
                    }
                    return Err("lone surrogate escapes are not supported".into());
                }
                Some(cp) => {
                    push_cp(cp, out)?;
                    return Ok(i + 5);
                }
                None => out.push('u'),
            }
        }
        'c' => match chars.get(i + 1) {
            Some(l) if l.is_ascii_alphabetic() => {
                push_cp((*l as u32) % 32, out)?;
                return Ok(i + 2);
            }
            _ => out.push_str(r"\\c"),
        },
        'p' | 'P' if unicode_mode => return Err("Unicode property escapes are not supported".into()),
        other if other.is_ascii_alphanumeric() => {
            // Identity escape of a letter (annex B): the letter itself.
            out.push(other);
        }
        other => {
            // Escaped punctuation or any other character: a literal.
            let s = other.to_string();
            let escaped = regex::escape(&s);
            if in_class && escaped == s && matches!(other, '[' | ']' | '-' | '^' | '&' | '~') {
                out.push('\\');
            }
            out.push_str(&escaped);
        }
    }
    Ok(i + 1)
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
