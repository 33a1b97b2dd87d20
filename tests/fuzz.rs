//! Seeded native fuzzing of the engine, both transports: each case drives a chat into
//! the active state, then feeds mutated recorded answers, frames, commands, configs and
//! cookies, interleaved with clock jumps. A case fails on a panic (overflow checks are on
//! in test builds), on a spin (wake-ups without progress), when a check message sent
//! after the garbage is not published, when a command never settles, or when what the
//! engine holds grows past a bound.
//!
//! `FUZZ_CASES` sets the cases per family (default 150: a few seconds); `FUZZ_SEED` the
//! first seed. It prints the inputs fed per family. A long run:
//! `FUZZ_CASES=140000 cargo test --profile fuzz --test fuzz -- --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::{v, Page, T0};
use webchatservice::engine::guest::cookies;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::json::{Map, Value};
use webchatservice::engine::output::{HttpResponse, NetError, SocketEvent};
use webchatservice::engine::{keys, PageEvent, RegexSpec};

/// What the engine may hold after a case (transcripts, seen ids, caps of every queue).
const FOOTPRINT_MAX: usize = 60_000;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A scalar that tends to break code: huge, negative, fractional, odd types.
fn odd_scalar(r: &mut Rng) -> Value {
    match r.below(14) {
        0 => Value::num(18446744073709551615.0),
        1 => Value::num(1e300),
        2 => Value::num(-1.0),
        3 => Value::num(0.5),
        4 => Value::num(9.007199254740993e15),
        5 => Value::str(""),
        6 => Value::str("../../x?y=1#z&a"),
        7 => Value::str("\u{0}\u{1}undefined"),
        8 => Value::Null,
        9 => Value::Bool(r.chance(50)),
        10 => Value::str("12abc"),
        11 => Value::Array(vec![Value::int(1), Value::object()]),
        12 => Value::str("x".repeat(r.below(5000))),
        _ => Value::int(r.next() as i64 % 1000),
    }
}

/// One random change somewhere in the value.
fn mutate(v: &mut Value, r: &mut Rng, depth: usize) {
    match v {
        Value::Object(m) if !m.is_empty() && depth < 12 => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = r.pick(&keys).clone();
            match r.below(6) {
                0 => {
                    m.remove(&k);
                }
                1 => m.insert(k, odd_scalar(r)),
                2 => m.insert(format!("{k}x"), odd_scalar(r)),
                _ => {
                    if let Some(child) = m.get_mut(&k) {
                        mutate(child, r, depth + 1);
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() && depth < 12 => match r.below(5) {
            0 => {
                let i = r.below(a.len());
                a.remove(i);
            }
            1 => {
                let i = r.below(a.len());
                let copy = a[i].clone();
                a.push(copy);
            }
            2 => a.reverse(),
            _ => {
                let i = r.below(a.len());
                mutate(&mut a[i], r, depth + 1);
            }
        },
        other => *other = odd_scalar(r),
    }
}

/// The text of a mutated value, sometimes broken as text too.
fn mutated_text(base: &str, r: &mut Rng) -> String {
    let mut val = v(base);
    for _ in 0..1 + r.below(4) {
        mutate(&mut val, r, 0);
    }
    let text = val.write().replace("\\u0001undefined", "x");
    match r.below(10) {
        0 => text[..r.below(text.len())].to_owned().chars().collect(),
        1 => format!("{text}{text}"),
        2 => "[".repeat(5000),
        _ => text,
    }
}

struct Stats {
    cases: u64,
    inputs: u64,
}

const GMS_CONFIG: &str = r#"{"dataURL":"http://gms.test/genesys/2/chat/s","userData":{"a":1}}"#;

fn gms_started() -> &'static str {
    r#"{"chatId":"0001","statusCode":0,"alias":"101","secureKey":"k","userId":"U","chatEnded":false,"messages":[]}"#
}

/// Answers whatever is pending with plausible success, until the page is quiet.
fn settle_gms(p: &mut Page) {
    for _ in 0..200 {
        if p.http.is_empty() {
            return;
        }
        let r = p.http.remove(0);
        let body = if r.url.ends_with("customer-support/") || r.url.ends_with("/s/") { gms_started().to_owned() } else { r#"{"statusCode":0,"chatEnded":false,"messages":[]}"#.to_owned() };
        p.respond(&r, 200, &body);
    }
}

fn gms_active() -> Page {
    let mut p = Page::boot(GMS_CONFIG, MemoryHost::default());
    p.cmd("startChat", r#"{"nickname":"F"}"#);
    let s = p.take("/s/");
    p.respond(&s, 200, gms_started());
    p
}

/// After the garbage: a fresh check message must reach subscribers (in a new chat if
/// the garbage ended this one, for example by removing the session cookie as another
/// tab ending the chat would).
fn check_gms(p: &mut Page, case: u64) {
    let text = format!("check-{case}");
    // Another tab clearing the filters: the garbage may have set a filter matching it.
    p.host.store.insert(keys::FILTERS.into(), r#"{"custom":[]}"#.into());
    p.mark();
    for _attempt in 0..3 {
        settle_gms(p);
        if !p.s.is_active() {
            p.cmd("startChat", r#"{"nickname":"F"}"#);
            settle_gms(p);
            assert!(p.s.is_active(), "a new chat starts after the garbage");
        }
        // The garbage may have stopped polling (stopPoll is a public command).
        p.cmd("startPoll", "{}");
        for _ in 0..100 {
            p.advance(500);
            if let Some(at) = p.http.iter().position(|r| r.url.contains("/refresh")) {
                let r = p.http.remove(at);
                let entry = format!(r#"{{"type":"Message","index":{},"text":"{text}","utcTime":1,"from":{{"type":"Agent","participantId":2,"nickname":"A"}}}}"#, 3_000_000_000u64 + case);
                p.respond(&r, 200, &format!(r#"{{"statusCode":0,"chatEnded":false,"messages":[{entry}]}}"#));
                break;
            }
            settle_gms(p);
            if !p.s.is_active() {
                break;
            }
        }
        let published = p.seen[p.mark..].iter().any(|s| matches!(s, support::page::Seen::Event("messageReceived", d) if d.write().contains(&text)));
        if published {
            return;
        }
    }
    p.mark = 0;
    panic!("the check message after the garbage is not published; active {} {:?} {:?}", p.s.is_active(), p.trace(), p.http.iter().map(|r| &r.url).collect::<Vec<_>>());
}

/// Every command ever issued settles once the chat is ended and everything answered.
fn all_settled(p: &mut Page, issued: &[u64]) {
    p.cmd("endChat", "{}");
    for _ in 0..20 {
        for r in std::mem::take(&mut p.http) {
            p.no_answer(&r, NetError::Network("fuzz".into()));
        }
        p.advance(60_000);
    }
    for id in issued {
        if p.outcome(*id).is_none() {
            p.mark = 0;
            panic!("command {id} never settled; {:?}", p.trace());
        }
    }
    assert!(p.s.footprint() < FOOTPRINT_MAX, "the engine holds {} things", p.s.footprint());
}

fn random_command(r: &mut Rng) -> (&'static str, String) {
    let names = [
        "startChat", "endChat", "sendMessage", "sendCustomNotice", "sendTyping", "sendFilteredMessage", "addPrefilter",
        "updateUserData", "updateInteractionData", "poll", "startPoll", "stopPoll", "pausePoll", "resetPollExceptions",
        "restore", "asyncRestore", "getTranscript", "getAgents", "getStats", "getSessionData", "verifySession", "sleep",
        "wake", "fetchHistory", "getFileLimits", "sendFile", "downloadFile", "configure",
    ];
    let name = *r.pick(&names);
    let data = mutated_text(r#"{"message":"hello","nickname":"N","userData":{"k":"v"},"form":{"firstname":"F"},"filters":"x","fileId":"f","resetIdleState":true,"type":"text","parentMessageID":7,"interactionData":{"routing":{"priority":1}}}"#, r);
    (name, data)
}

fn issue(p: &mut Page, r: &mut Rng, issued: &mut Vec<u64>) {
    let (name, data) = random_command(r);
    let value = webchatservice::engine::json::parse(&data).unwrap_or(Value::object());
    let value = if r.chance(10) {
        let mut m = Map::new();
        m.insert("filters", Value::RegExp(RegexSpec::new(if r.chance(50) { "a(?=b)" } else { "x+" }, "gi")));
        m.insert("regex", Value::RegExp(RegexSpec::new("y", "")));
        m.insert("message", Value::str("m"));
        Value::Object(m)
    } else {
        value
    };
    let commander = if r.chance(10) { "WebChatService" } else { "Tester" };
    if std::env::var("FUZZ_DEBUG").is_ok() {
        eprintln!("command {}: {commander} {name} {}", issued.len(), value.write());
    }
    issued.push(p.bus_command(commander, name, value));
}

fn gms_case(seed: u64, s: &mut Stats) {
    let mut r = Rng(seed | 1);
    let mut p = gms_active();
    let mut issued = Vec::new();
    let refresh = fixture("gms/refresh-rich.json");
    let start = fixture("gms/request-chat.json");
    let ended = fixture("gms/error-ended.json");
    for _ in 0..2 + r.below(12) {
        s.inputs += 1;
        match r.below(6) {
            0 | 1 => {
                p.advance(r.below(4000) as u64);
                if !p.http.is_empty() {
                    let i = r.below(p.http.len());
                    let req = p.http.remove(i);
                    let base = *r.pick(&[refresh.as_str(), start.as_str(), ended.as_str()]);
                    let status = *r.pick(&[200u16, 200, 200, 400, 404, 500, 502]);
                    match r.below(8) {
                        0 => p.no_answer(&req, NetError::Timeout),
                        1 => p.respond_raw(&req, HttpResponse { status, status_text: "X".into(), content_type: Some("text/html".into()), body: "<html>".into() }),
                        _ => p.respond(&req, status, &mutated_text(base, &mut r)),
                    }
                }
            }
            2 | 3 => issue(&mut p, &mut r, &mut issued),
            4 => p.page_event(match r.below(4) {
                0 => PageEvent::Focus(odd_scalar(&mut r)),
                1 => PageEvent::Hidden { hidden: odd_scalar(&mut r), focused: r.chance(50) },
                2 => PageEvent::WebChatClosed,
                _ => PageEvent::Language(odd_scalar(&mut r)),
            }),
            _ => {
                // Another tab's doing: cookies appear, change or go.
                let k = *r.pick(&[keys::SESSION, keys::KEYS, keys::FILTERS, keys::PING, keys::START_LOCK]);
                if r.chance(50) {
                    p.host.store.remove(k);
                } else {
                    let val = mutated_text(r#"{"custom":[{"source":"a","flags":"i"}],"secureKey":"k","alias":"1","userId":"u"}"#, &mut r);
                    p.host.store.insert(k.into(), val);
                }
            }
        }
    }
    check_gms(&mut p, seed);
    all_settled(&mut p, &issued);
    s.cases += 1;
}

fn gms_boot_case(seed: u64, s: &mut Stats) {
    let mut r = Rng(seed | 1);
    let mut host = MemoryHost::default();
    for k in [keys::SESSION, keys::KEYS, keys::PING, keys::FILTERS, keys::INDEX] {
        if r.chance(60) {
            host.store.insert(k.into(), mutated_text(r#"{"secureKey":"k","alias":"1","userId":"u","custom":[{"source":"a","flags":""}],"n":1700000000000}"#, &mut r));
        }
    }
    if r.chance(50) {
        host.store.insert(keys::SESSION.into(), "0001".into());
    }
    let config = mutated_text(r#"{"dataURL":"http://gms.test/genesys/2/chat/s","userData":{"a":1},"pollRate":3000,"pollRateMin":500,"pollRateMax":3000,"pollRateMult":1.2,"ajaxTimeout":3000,"restoreTimeout":60000,"maxMessageLength":100,"pollExceptionLimit":5,"sleepEnabled":true,"enableUrlTrailingSlash":true}"#, &mut r);
    let config = if webchatservice::engine::json::parse(&config).is_ok() { config } else { GMS_CONFIG.to_owned() };
    let p = Page::boot(&config, host);
    after_boot(p, &mut r, s, 5_000, settle_gms);
}

const GUEST_CONFIG: &str = r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"https://api.test","deploymentKey":"d","orgGuid":"o","interactionData":{"routing":{"targetAddress":"Q"}},"socketHeartbeatTrackerInterval":14000}}"#;

/// Answers pending guest requests plausibly and opens pending sockets, until quiet.
fn settle_guest(p: &mut Page) {
    for _ in 0..300 {
        if let Some((id, _)) = p.sockets.last().cloned() {
            if !p.opened.contains(&id) {
                p.socket(id, SocketEvent::Opened);
            }
        }
        if p.http.is_empty() {
            return;
        }
        let r = p.http.remove(0);
        if r.method == "DELETE" {
            p.respond_raw(&r, HttpResponse { status: 204, status_text: "No Content".into(), content_type: None, body: String::new() });
            continue;
        }
        let body = if r.url.ends_with("/conversations") {
            r#"{"id":"conv","jwt":"j","eventStreamUri":"wss://s/x","member":{"id":"me"}}"#.to_owned()
        } else if r.url.ends_with("/members/me") {
            r#"{"id":"me","displayName":"Me","role":"CUSTOMER","state":"CONNECTED"}"#.to_owned()
        } else if r.url.contains("/members/") && r.method == "GET" {
            r#"{"id":"agent","displayName":"Anna","role":"AGENT","state":"CONNECTED"}"#.to_owned()
        } else if r.url.ends_with("/members") {
            r#"{"entities":[{"id":"agent","displayName":"Anna","role":"AGENT","state":"CONNECTED"}]}"#.to_owned()
        } else if r.url.contains("/messages") && r.method == "GET" {
            r#"{"entities":[],"pageSize":25}"#.to_owned()
        } else {
            r#"{"id":"sent","body":"x"}"#.to_owned()
        };
        p.respond(&r, 200, &body);
    }
}

fn guest_active() -> Page {
    let mut p = Page::boot(GUEST_CONFIG, MemoryHost::default());
    p.cmd("startChat", r#"{"form":{"firstname":"F"}}"#);
    settle_guest(&mut p);
    push(&mut p, r#"{"eventBody":{"id":"j","sender":{"id":"agent"},"bodyType":"member-join","timestamp":"2020-01-01T00:00:00.000Z"},"metadata":{"type":"message"}}"#.to_owned());
    settle_guest(&mut p);
    p
}

fn push(p: &mut Page, text: String) {
    if let Some((id, _)) = p.sockets.last().cloned() {
        p.socket(id, SocketEvent::Message(text));
    }
}

fn check_guest(p: &mut Page, case: u64) {
    for _ in 0..30 {
        settle_guest(p);
        if p.s.is_active() && !p.sockets.is_empty() {
            break;
        }
        if !p.s.is_active() && p.http.is_empty() {
            p.cmd("startChat", r#"{"form":{"firstname":"F"}}"#);
        }
        p.advance(20_000);
    }
    assert!(p.s.is_active(), "a chat is active again after the garbage");
    let text = format!("check-{case}");
    p.mark();
    push(p, format!(r#"{{"eventBody":{{"id":"check-{case}","sender":{{"id":"agent"}},"body":"{text}","bodyType":"standard","timestamp":"2020-01-01T00:00:09.000Z"}},"metadata":{{"type":"message"}}}}"#));
    settle_guest(p);
    let published = p.seen[p.mark..].iter().any(|s| matches!(s, support::page::Seen::Event("messageReceived", d) if d.write().contains(&text)));
    assert!(published, "the check message after the garbage is published");
}

fn guest_case(seed: u64, s: &mut Stats) {
    let mut r = Rng(seed | 1);
    let mut p = guest_active();
    let mut issued = Vec::new();
    let frames = [fixture("guest/frame-message.json"), fixture("guest/frame-typing.json"), fixture("guest/frame-member-change.json"), fixture("guest/frame-heartbeat.json")];
    let answers = [fixture("guest/messages-page.json"), fixture("guest/member-agent.json"), fixture("guest/create-response.json"), fixture("guest/error-404.json")];
    for _ in 0..2 + r.below(14) {
        s.inputs += 1;
        match r.below(7) {
            0 | 1 => {
                let base = r.pick(&frames).clone();
                let f = mutated_text(&base, &mut r);
                push(&mut p, f);
            }
            2 => {
                if !p.http.is_empty() {
                    let i = r.below(p.http.len());
                    let req = p.http.remove(i);
                    match r.below(6) {
                        0 => p.no_answer(&req, NetError::Network("x".into())),
                        _ => {
                            let status = *r.pick(&[200u16, 200, 200, 204, 400, 401, 404, 500]);
                            let base = r.pick(&answers).clone();
                            let body = mutated_text(&base, &mut r);
                            p.respond(&req, status, &body);
                        }
                    }
                }
            }
            3 => issue(&mut p, &mut r, &mut issued),
            4 => {
                if let Some((id, _)) = p.sockets.last().cloned() {
                    let e = if r.chance(50) { SocketEvent::Closed } else { SocketEvent::Opened };
                    p.socket(id, e);
                }
            }
            5 => p.advance(r.below(20_000) as u64),
            _ => {
                let k = *r.pick(&[cookies::JWT, cookies::CONVERSATION, cookies::MEMBER, cookies::LAST_MESSAGE, keys::FILTERS]);
                p.host.store.insert(k.into(), mutated_text(r#"{"custom":[{"source":"a","flags":""}]}"#, &mut r));
            }
        }
    }
    check_guest(&mut p, seed);
    all_settled(&mut p, &issued);
    s.cases += 1;
}

fn guest_boot_case(seed: u64, s: &mut Stats) {
    let mut r = Rng(seed | 1);
    let mut host = MemoryHost::default();
    for (k, base) in [(cookies::JWT, "\"j\""), (cookies::CONVERSATION, "\"conv\""), (cookies::MEMBER, "\"me\""), (cookies::WS_URL, "\"wss://s\""), (cookies::LAST_MESSAGE, "\"m\"")] {
        if r.chance(70) {
            host.store.insert(k.into(), mutated_text(base, &mut r));
        }
    }
    let config = mutated_text(GUEST_CONFIG, &mut r);
    let config = match webchatservice::engine::json::parse(&config) {
        Ok(v) if v.get("transport").get("type").truthy() => config,
        _ => GUEST_CONFIG.to_owned(),
    };
    let p = Page::boot(&config, host);
    after_boot(p, &mut r, s, 20_000, settle_guest);
}

/// After a fuzzed boot: a few random commands and clock jumps (up to `max_jump` ms, each
/// followed by `settle`), then every command must have settled.
fn after_boot(mut p: Page, r: &mut Rng, s: &mut Stats, max_jump: usize, settle: fn(&mut Page)) {
    s.inputs += 1;
    let mut issued = Vec::new();
    for _ in 0..3 + r.below(8) {
        s.inputs += 1;
        if r.chance(50) {
            issue(&mut p, r, &mut issued);
        } else {
            p.advance(r.below(max_jump) as u64);
            settle(&mut p);
        }
    }
    all_settled(&mut p, &issued);
    s.cases += 1;
}

const NEXUS_CONFIG: &str = r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"http://n.test/nexus/v3/chat/sessions","endpoint":"ep","headers":{"x-api-key":"k"},"pollTimeout":500}}"#;
/// The same in async mode (history pages of 16, sleep enabled).
const NEXUS_ASYNC_CONFIG: &str = r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"http://n.test/nexus/v3/chat/sessions","endpoint":"ep","headers":{"x-api-key":"k"},"pollTimeout":500,"maxMessagePageSize":16,"sleepEnabled":true,"async":{"enabled":true}}}"#;
/// A token whose payload is {"sessionId":"s-1","transportId":"t-1","participantId":"p-1"}.
const NEXUS_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzLTEiLCJ0cmFuc3BvcnRJZCI6InQtMSIsInBhcnRpY2lwYW50SWQiOiJwLTEifQ.sig";

/// Answers pending Nexus requests plausibly (a token for a create, no news for the
/// rest), until the page is quiet.
fn settle_nexus(p: &mut Page) {
    for _ in 0..200 {
        if p.http.is_empty() {
            return;
        }
        let r = p.http.remove(0);
        let body = if r.url.ends_with("/sessions") {
            format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{NEXUS_TOKEN}"}}}}"#)
        } else {
            r#"{"status":{"code":0},"data":{"chatEnded":false,"messages":[]}}"#.to_owned()
        };
        p.respond(&r, 200, &body);
    }
}

/// Nexus v3: mutated create, poll and error answers (or none), random commands and clock
/// jumps, sometimes a mutated configuration or saved cookies at page load; half the cases
/// in async mode, with a stored token (or garbage) and the cross-tab flag in any state.
fn nexus_case(seed: u64, s: &mut Stats) {
    let mut r = Rng(seed | 1);
    let mut host = MemoryHost::default();
    let base_config = if r.chance(50) {
        host.callbacks = webchatservice::engine::host::StorageCallbacks { open_and_save: !r.chance(10), delete: r.chance(80) };
        host.stored = r.chance(60).then(|| r.pick(&[NEXUS_TOKEN, "", "x.y.z", "a.e30.b", "a.bnVsbA.b"]).to_string());
        host.poll_flag = r.chance(30).then(|| r.pick(&["true", "false", ""]).to_string());
        NEXUS_ASYNC_CONFIG
    } else {
        NEXUS_CONFIG
    };
    if r.chance(30) {
        host.store.insert(webchatservice::engine::nexus::cookies::KEYS.into(), r.pick(&[NEXUS_TOKEN, "", "x.y.z", "a.e30.b", "a.W10.b", "a.bnVsbA.b", &NEXUS_TOKEN[..40], "a.eyJzZXNzaW9uSWQiOjF9.b"]).to_string());
        host.store.insert(webchatservice::engine::nexus::cookies::SESSION.into(), "s-1".into());
    }
    let config = if r.chance(30) { mutated_text(base_config, &mut r) } else { base_config.to_owned() };
    let config = if webchatservice::engine::json::parse(&config).is_ok() { config } else { base_config.to_owned() };
    let mut p = Page::boot(&config, host);
    let mut issued = Vec::new();
    issued.push(p.cmd("startChat", r#"{"form":{"firstname":"F"}}"#));
    let poll = r#"{"status":{"code":0},"data":{"chatEnded":false,"messages":[{"index":"2","type":"ParticipantJoined","from":{"nickname":"A","type":"Agent","participantId":"a"}},{"index":"3","type":"TypingStarted","from":{"type":"Agent","participantId":"a"}},{"index":"-4","type":"Text","text":"hi","utcTime":1,"from":{"type":"Agent","participantId":"a"}},{"index":"5","type":"PushUrl","url":"u","from":{"type":"Supervisor","participantId":"s"}},{"index":"6","type":"ParticipantLeft","from":{"type":"Agent","participantId":"a"}},{"index":"7","type":"Text","text":"","from":{"type":"Agent","participantId":"a"},"content":[{"type":"image","mime":"image/png","url":"/images/x"},{"type":"file","url":"/f"}]}]}}"#;
    let created = format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{NEXUS_TOKEN}"}}}}"#);
    let error = r#"{"status":{"code":"INVALID_SESSION","message":"gone"}}"#;
    for _ in 0..3 + r.below(14) {
        s.inputs += 1;
        match r.below(6) {
            0..=2 => {
                p.advance(r.below(3000) as u64);
                if !p.http.is_empty() {
                    let i = r.below(p.http.len());
                    let req = p.http.remove(i);
                    let base = *r.pick(&[poll, created.as_str(), error]);
                    let status = *r.pick(&[200u16, 200, 200, 400, 401, 404, 429, 500]);
                    match r.below(6) {
                        0 => p.no_answer(&req, NetError::Network("fuzz".into())),
                        1 => p.respond(&req, status, base),
                        _ => p.respond(&req, status, &mutated_text(base, &mut r)),
                    }
                }
            }
            3 | 4 => issue(&mut p, &mut r, &mut issued),
            _ => {
                p.advance(r.below(10_000) as u64);
                settle_nexus(&mut p);
            }
        }
    }
    all_settled(&mut p, &issued);
    s.cases += 1;
}

fn run(family: &str, case: fn(u64, &mut Stats)) {
    let cases: u64 = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let first: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut s = Stats { cases: 0, inputs: 0 };
    for seed in first..first + cases {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut local = Stats { cases: 0, inputs: 0 };
            case(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ T0, &mut local);
            local
        }));
        match outcome {
            Ok(local) => {
                s.cases += local.cases;
                s.inputs += local.inputs;
            }
            Err(_) => panic!("fuzz family {family} failed at FUZZ_SEED={seed} (rerun with FUZZ_SEED={seed} FUZZ_CASES=1)"),
        }
    }
    println!("fuzz {family}: {} cases, {} inputs", s.cases, s.inputs);
}

/// GMS: mutated refresh, start and error answers, random commands, cookie changes.
#[test]
fn fuzz_gms_answers_and_commands() {
    run("gms", gms_case);
}

/// GMS: mutated configurations and saved cookies at page load, then commands.
#[test]
fn fuzz_gms_config_and_cookies() {
    run("gms-boot", gms_boot_case);
}

/// Guest chat: mutated frames and REST answers, socket drops, commands, cookies.
#[test]
fn fuzz_guest_frames_answers_and_commands() {
    run("guest", guest_case);
}

/// Guest chat: mutated configurations and saved cookies at page load, then commands.
#[test]
fn fuzz_guest_config_and_cookies() {
    run("guest-boot", guest_boot_case);
}

/// Nexus v3: mutated answers, configurations and cookies, commands, clock jumps.
#[test]
fn fuzz_nexus_answers_config_and_commands() {
    run("nexus", nexus_case);
}
