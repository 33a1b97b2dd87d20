//! A linear-time matcher for the pattern syntax [`super::filter`] writes.
//!
//! A Pike VM: every possible match position advances together, one character at a time,
//! each program instruction at most once per character. No pattern and no text can make
//! it backtrack, so an agent's message cannot freeze the page through an integrator's
//! prefilter (design.md §5). It replaces `regex-lite`, which brought its own parser,
//! compiler, hash maps and sorting (about 35 KB of wasm) for a syntax the translator
//! already normalises.
//!
//! The syntax (only what the translator writes): literal ASCII letters and digits;
//! `\x{HEX}`, `\n`, `\r`, `\t` and identity escapes; `\b` and `\B` (ASCII words);
//! classes `[...]` and `[^...]` of characters and ranges; `.` (any character: the
//! translator writes JavaScript's dot as a class); groups `(?:...)` and `(?s:...)`;
//! `|`; `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy (the same for a test);
//! `^` and `$`; the leading flags `(?i)` (ASCII case folding: the translator spells out
//! other letters' cases) and `(?m)` (lines end at JavaScript's four line terminators).

/// Groups nested deeper are refused: parsing and compiling recurse, on a 38 KB stack (28
/// levels overflow it in the debug build the browser tests run: deeply_nested_prefilters_fit_the_stack).
const MAX_NESTING: usize = 20;
/// Programs longer than this are refused (`x{1000}{1000}` would be a million steps).
const MAX_PROGRAM: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Start,
    End,
    Word,
    NotWord,
}

#[derive(Debug, Clone)]
enum Node {
    /// One character from a set (an index into [`Regex::sets`]).
    Set(u32),
    Look(Look),
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

#[derive(Debug, Clone, Copy)]
enum Inst {
    Set(u32),
    Look(Look),
    /// Try both (the order does not matter: only whether some thread matches).
    Split(u32, u32),
    Jump(u32),
    Match,
}

/// A set of characters: ranges, maybe negated.
#[derive(Debug, Clone)]
struct Set {
    ranges: Vec<(u32, u32)>,
    negated: bool,
}

#[derive(Debug, Clone)]
pub struct Regex {
    program: Vec<Inst>,
    sets: Vec<Set>,
    fold_ascii: bool,
    multi_line: bool,
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
    sets: Vec<Set>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }
    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        self.at += usize::from(hit);
        hit
    }
    fn starts_with(&self, s: &str) -> bool {
        let mut i = self.at;
        s.chars().all(|c| {
            let ok = self.chars.get(i) == Some(&c);
            i += 1;
            ok
        })
    }
    fn set(&mut self, ranges: Vec<(u32, u32)>, negated: bool) -> Node {
        self.sets.push(Set { ranges, negated });
        Node::Set(self.sets.len() as u32 - 1)
    }

    fn alternation(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_NESTING {
            return Err("pattern has too much nesting".into());
        }
        let mut branches = vec![self.concatenation(depth)?];
        while self.eat('|') {
            branches.push(self.concatenation(depth)?);
        }
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Cat(Vec::new())) } else { Node::Alt(branches) })
    }

    fn concatenation(&mut self, depth: usize) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Cat(items))
    }

    fn atom(&mut self, depth: usize) -> Result<Node, String> {
        let Some(c) = self.peek() else { return Err("pattern ends unexpectedly".into()) };
        self.at += 1;
        Ok(match c {
            '(' => {
                if !(self.eat('?') && (self.eat(':') || (self.eat('s') && self.eat(':')))) {
                    return Err("unsupported group".into());
                }
                let inner = self.alternation(depth + 1)?;
                if !self.eat(')') {
                    return Err("unclosed group".into());
                }
                inner
            }
            '[' => self.class()?,
            '\\' => match self.peek() {
                Some('b') => {
                    self.at += 1;
                    Node::Look(Look::Word)
                }
                Some('B') => {
                    self.at += 1;
                    Node::Look(Look::NotWord)
                }
                _ => {
                    let cp = self.escape()?;
                    self.set(vec![(cp, cp)], false)
                }
            },
            '^' => Node::Look(Look::Start),
            '$' => Node::Look(Look::End),
            '.' => self.set(Vec::new(), true),
            '*' | '+' | '?' | '{' => return Err("nothing to repeat".into()),
            other => self.set(vec![(other as u32, other as u32)], false),
        })
    }

    /// The escape after a backslash (already read): its code point.
    fn escape(&mut self) -> Result<u32, String> {
        let Some(e) = self.peek() else { return Err("pattern ends with a lone backslash".into()) };
        self.at += 1;
        Ok(match e {
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'x' if self.eat('{') => {
                let mut cp: u32 = 0;
                let mut digits = 0;
                while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
                    cp = cp.saturating_mul(16).saturating_add(d);
                    digits += 1;
                    self.at += 1;
                }
                if digits == 0 || !self.eat('}') || char::from_u32(cp).is_none() {
                    return Err("bad \\x{...} escape".into());
                }
                cp
            }
            other => other as u32,
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        loop {
            let lo = match self.peek() {
                None => return Err("unterminated character class".into()),
                Some(']') => {
                    self.at += 1;
                    break;
                }
                Some(_) => self.class_char()?,
            };
            let hi = if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&c| c != ']') {
                self.at += 1;
                self.class_char()?
            } else {
                lo
            };
            if hi < lo {
                return Err("character class range out of order".into());
            }
            ranges.push((lo, hi));
        }
        Ok(self.set(ranges, negated))
    }

    fn class_char(&mut self) -> Result<u32, String> {
        let Some(c) = self.peek() else { return Err("unterminated character class".into()) };
        self.at += 1;
        if c == '\\' { self.escape() } else { Ok(c as u32) }
    }

    /// The atom with the quantifier that follows it, if any. One only: a second one (`a**`,
    /// `a???`) is "nothing to repeat" in JavaScript too, and stacked repeats would nest the
    /// program (and the stack) without limit.
    fn quantified(&mut self, node: Node) -> Result<Node, String> {
        let simple = match self.peek() {
            Some('*') => Some((0, None)),
            Some('+') => Some((1, None)),
            Some('?') => Some((0, Some(1))),
            _ => None,
        };
        let (min, max) = match simple {
            Some(bounds) => {
                self.at += 1;
                bounds
            }
            None if self.peek() == Some('{') => match self.counted() {
                Some(bounds) => bounds?,
                None => return Ok(node),
            },
            None => return Ok(node),
        };
        // Lazy or greedy: the same for a test.
        self.eat('?');
        Ok(Node::Repeat { node: Box::new(node), min, max })
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor (consumed); `None` when it is not one.
    fn counted(&mut self) -> Option<Result<(u32, Option<u32>), String>> {
        let start = self.at;
        self.at += 1;
        let number = |p: &mut Self| {
            let from = p.at;
            let mut n: u32 = 0;
            while let Some(d) = p.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d);
                p.at += 1;
            }
            (p.at > from).then_some(n)
        };
        let Some(min) = number(self) else {
            self.at = start;
            return None;
        };
        let max = if self.eat(',') { number(self) } else { Some(min) };
        if !self.eat('}') {
            self.at = start;
            return None;
        }
        Some(match max {
            Some(m) if m < min => Err("numbers out of order in {} quantifier".into()),
            _ => Ok((min, max)),
        })
    }
}

/// Appends the program of `node`; false when it grew too long.
fn compile(node: &Node, out: &mut Vec<Inst>) -> bool {
    if out.len() > MAX_PROGRAM {
        return false;
    }
    match node {
        Node::Set(s) => out.push(Inst::Set(*s)),
        Node::Look(l) => out.push(Inst::Look(*l)),
        Node::Cat(items) => {
            for item in items {
                if !compile(item, out) {
                    return false;
                }
            }
        }
        Node::Alt(branches) => {
            let mut ends = Vec::new();
            for (i, b) in branches.iter().enumerate() {
                let last = i + 1 == branches.len();
                let split = out.len();
                if !last {
                    out.push(Inst::Split(0, 0));
                }
                if !compile(b, out) {
                    return false;
                }
                if !last {
                    ends.push(out.len());
                    out.push(Inst::Jump(0));
                    out[split] = Inst::Split(split as u32 + 1, out.len() as u32);
                }
            }
            let end = out.len() as u32;
            for e in ends {
                out[e] = Inst::Jump(end);
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                if !compile(node, out) {
                    return false;
                }
            }
            match max {
                None => {
                    let split = out.len();
                    out.push(Inst::Split(0, 0));
                    if !compile(node, out) {
                        return false;
                    }
                    out.push(Inst::Jump(split as u32));
                    out[split] = Inst::Split(split as u32 + 1, out.len() as u32);
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(out.len());
                        out.push(Inst::Split(0, 0));
                        if !compile(node, out) {
                            return false;
                        }
                    }
                    let end = out.len() as u32;
                    for s in splits {
                        out[s] = Inst::Split(s as u32 + 1, end);
                    }
                }
            }
        }
    }
    out.len() <= MAX_PROGRAM
}

/// The program counters of the threads at one position, each once (a sparse set).
struct Threads {
    dense: Vec<u32>,
    sparse: Vec<u32>,
}

impl Threads {
    fn new(n: usize) -> Threads {
        Threads { dense: Vec::with_capacity(n), sparse: vec![0; n] }
    }
    fn insert(&mut self, pc: u32) -> bool {
        let i = self.sparse[pc as usize] as usize;
        if self.dense.get(i) == Some(&pc) {
            return false;
        }
        self.sparse[pc as usize] = self.dense.len() as u32;
        self.dense.push(pc);
        true
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_line_end(c: Option<char>) -> bool {
    matches!(c, Some('\n' | '\r' | '\u{2028}' | '\u{2029}'))
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser { chars: &chars, at: 0, sets: Vec::new() };
        let (mut fold_ascii, mut multi_line) = (false, false);
        loop {
            if p.starts_with("(?i)") {
                fold_ascii = true;
            } else if p.starts_with("(?m)") {
                multi_line = true;
            } else {
                break;
            }
            p.at += 4;
        }
        let node = p.alternation(0)?;
        if p.at < chars.len() {
            return Err("unmatched ')'".into());
        }
        let mut program = Vec::new();
        if !compile(&node, &mut program) {
            return Err("pattern too large".into());
        }
        program.push(Inst::Match);
        Ok(Regex { program, sets: p.sets, fold_ascii, multi_line })
    }

    /// `\b\B`: matches nowhere (built directly, so no pattern can fail to compile).
    pub fn never() -> Regex {
        Regex { program: vec![Inst::Look(Look::Word), Inst::Look(Look::NotWord), Inst::Match], sets: Vec::new(), fold_ascii: false, multi_line: false }
    }

    fn has(&self, set: u32, c: char) -> bool {
        let Some(s) = self.sets.get(set as usize) else { return false };
        let within = |c: char| s.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&(c as u32)));
        let mut hit = within(c);
        if !hit && self.fold_ascii && c.is_ascii_alphabetic() {
            hit = within(if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
        }
        hit != s.negated
    }

    fn look(&self, l: Look, before: Option<char>, after: Option<char>) -> bool {
        match l {
            Look::Start => before.is_none() || (self.multi_line && is_line_end(before)),
            Look::End => after.is_none() || (self.multi_line && is_line_end(after)),
            Look::Word => is_word(before) != is_word(after),
            Look::NotWord => is_word(before) == is_word(after),
        }
    }

    /// Adds `pc` and what it reaches without reading a character; true when that is a
    /// match. `stack` is scratch space (no recursion).
    fn add(&self, list: &mut Threads, stack: &mut Vec<u32>, pc: u32, before: Option<char>, after: Option<char>) -> bool {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !list.insert(pc) {
                continue;
            }
            match self.program[pc as usize] {
                Inst::Match => {
                    stack.clear();
                    return true;
                }
                Inst::Jump(to) => stack.push(to),
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Look(l) => {
                    if self.look(l, before, after) {
                        stack.push(pc + 1);
                    }
                }
                Inst::Set(_) => {}
            }
        }
        false
    }

    /// Whether the pattern matches anywhere in `text` (`re.test(text)`).
    pub fn is_match(&self, text: &str) -> bool {
        let n = self.program.len();
        let (mut now, mut next) = (Threads::new(n), Threads::new(n));
        let mut stack = Vec::new();
        let mut chars = text.chars();
        let mut before = None;
        let mut after = chars.next();
        loop {
            // A match may start at every position.
            if self.add(&mut now, &mut stack, 0, before, after) {
                return true;
            }
            let Some(c) = after else { return false };
            let following = chars.next();
            next.dense.clear();
            for i in 0..now.dense.len() {
                let pc = now.dense[i];
                if let Inst::Set(s) = self.program[pc as usize] {
                    if self.has(s, c) && self.add(&mut next, &mut stack, pc + 1, Some(c), following) {
                        return true;
                    }
                }
            }
            std::mem::swap(&mut now, &mut next);
            before = Some(c);
            after = following;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Regex::new(p).unwrap().is_match(t)
    }

    #[test]
    fn the_translators_syntax_matches() {
        assert!(m(r"\x{7B}start\x{3A}[0-9]{9}\x{7D}", "x {start:123456789} y"));
        assert!(!m(r"\x{7B}start\x{3A}[0-9]{9}\x{7D}", "{start:12345678}"));
        assert!(m("(?:cat|dog)food", "hotdogfood"));
        assert!(!m("(?:cat|dog)food", "catnip"));
        assert!(m("^ab*c$", "ac") && m("^ab*c$", "abbbc") && !m("^ab*c$", "xabc"));
        assert!(m("a{2,3}", "xaax") && !m("^a{2,3}$", "aaaa") && m("^a{2,}$", "aaaaa"));
        assert!(m("colou?r", "color") && m("colou??r", "colour"));
        assert!(m(r"[^\n\r\x{2028}\x{2029}]", "x") && !m(r"^[^\n\r\x{2028}\x{2029}]$", "\n"));
        assert!(m("(?s:.)", "\n") && !m("(?s:.)", ""));
        assert!(m(r"\bcat\b", "a cat!") && !m(r"\bcat\b", "concat"));
        assert!(m(r"\Bcat", "concat") && !m(r"(?:\b\B)", "anything at all"));
        assert!(["", "a", "a b", " "].iter().all(|t| !Regex::never().is_match(t)), "never matches nothing");
        assert!(m("", "") && m("x|", "abc"));
    }

    #[test]
    fn flags_fold_ascii_and_split_lines() {
        assert!(m("(?i)hello", "HeLLo") && m("(?i)[a-c]", "B") && !m("(?i)[^a]", "A"));
        assert!(!m("hello", "HELLO"), "case matters without the flag");
        assert!(m("(?m)^b$", "a\nb\rc") && !m("^b$", "a\nb"));
        assert!(m("(?i)(?m)^X", "a\u{2028}x"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for p in ["(", ")", "a)", "[a", "*a", "a**", "a???", "a{2}{3}", "a{3,2}", r"\x{}", r"\x{110000}", "(?=a)", "(?:a{1000}){1000}"] {
            assert!(Regex::new(p).is_err(), "{p}");
        }
        assert!(Regex::new(&"(?:".repeat(MAX_NESTING + 2)).is_err());
        // From a filters cookie anything can come: stacked quantifiers are refused at once
        // instead of nesting one repeat in another 10,000 times.
        assert!(Regex::new(&format!("a{}", "?".repeat(20_000))).is_err());
        assert!(m("a*?b", "aab") && m("a{2}?", "aa"), "one lazy quantifier is fine");
    }

    /// Nested repetition (`(a+)+$`, the classic backtracking trap) stays linear.
    #[test]
    fn nested_repetition_is_linear() {
        let text = "a".repeat(20_000) + "!";
        assert!(!m("^(?:a+)+$", &text));
        assert!(!m("^(?:a*)*(?:b|c)$", &text));
        assert!(m("(?:a*)*!", &text));
    }
}
