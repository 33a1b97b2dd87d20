//! Engine scenarios of Nexus v3 async mode (`transport.async`), with a simulated clock
//! and bus: the integrator's functions called where the shipped transport calls them, the
//! re-create with the stored token, history pages back to the first message, the paused
//! and resumed poll loop, and the cross-tab poll flag.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::{Page, Seen};
use webchatservice::engine::host::{MemoryHost, StorageCallbacks};
use webchatservice::engine::nexus::cookies;
use webchatservice::engine::output::{HttpRequest, StorageCall};
use webchatservice::engine::Value;

const S: &str = "http://nexus.test/nexus/v3/chat/sessions";
/// A token whose payload is {"sessionId":"s-1","transportId":"t-1","participantId":"p-1"}.
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzLTEiLCJ0cmFuc3BvcnRJZCI6InQtMSIsInBhcnRpY2lwYW50SWQiOiJwLTEifQ.sig";

fn config(extra: &str) -> String {
    format!(r#"{{"transport":{{"type":"pureengage-v3-rest","dataURL":"{S}","endpoint":"ep","headers":{{"x-api-key":"k"}},"pollTimeout":1000,"async":{{"enabled":true}}{extra}}}}}"#)
}

fn created() -> String {
    format!(r#"{{"status":{{"code":0}},"data":{{"clientToken":"{TOKEN}"}}}}"#)
}

fn messages(indexes: &[u32]) -> String {
    let list: Vec<String> = indexes.iter().map(|i| format!(r#"{{"index":"{i}","type":"Text","text":"m{i}","utcTime":{i},"from":{{"nickname":"Anna","type":"Agent","participantId":"a-1"}}}}"#)).collect();
    format!(r#"{{"status":{{"code":0}},"data":{{"chatEnded":false,"messages":[{}]}}}}"#, list.join(","))
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// A host whose page configured all three functions; `stored` is what setSessionData gives.
fn host(stored: Option<&str>) -> MemoryHost {
    MemoryHost { callbacks: StorageCallbacks { open_and_save: true, delete: true }, stored: stored.map(str::to_owned), ..Default::default() }
}

fn saves(p: &Page) -> Vec<Value> {
    p.seen[p.mark..].iter().filter_map(|s| if let Seen::Storage(StorageCall::Save(v)) = s { Some(v.clone()) } else { None }).collect()
}

/// A page that re-created the stored chat and restored its newest page of `page`.
fn restored(page: &[u32]) -> Page {
    let mut p = Page::boot(&config(""), host(Some(TOKEN)));
    let create = p.take("/sessions");
    p.respond(&create, 200, &created());
    let req = p.take("/s-1/messages?count=20");
    p.respond(&req, 200, &messages(page));
    let poll = p.take("/s-1/messages?operationId=");
    p.respond(&poll, 200, &messages(&[]));
    p.mark();
    p
}

/// A chat started in async mode asks for the stored key before the create, gives the
/// integrator the token (message index 0, then each new index) and no keys cookie.
#[test]
fn a_started_chat_keeps_its_token_with_the_integrator() {
    let mut p = Page::boot(&config(""), host(None));
    p.mark();
    p.cmd("startChat", r#"{"form":{"firstname":"Jane"}}"#);
    let create = p.take("/sessions");
    assert_eq!(header(&create, "x-nexus-client-key"), None, "no stored key, no header");
    assert_eq!(header(&create, "x-api-key").as_deref(), Some("k"));
    assert!(p.trace().iter().any(|l| l == "storage open"));
    p.respond(&create, 200, &created());
    let s = saves(&p);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].get("messageIndex").to_json(), s[0].get("token").as_str()), ("0".to_owned(), Some(TOKEN)));
    assert_eq!(p.host.store.get(cookies::KEYS), None, "the token stays out of cookies");
    assert_eq!(p.host.store.get(cookies::SESSION).map(String::as_str), Some("s-1"));
    // The integrator kept it: the poll carries it.
    let poll = p.take("/s-1/messages?operationId=");
    assert_eq!(header(&poll, "x-nexus-client-key").as_deref(), Some(TOKEN));
    p.mark();
    p.respond(&poll, 200, &messages(&[1, 2]));
    let idx: Vec<String> = saves(&p).iter().map(|v| v.get("messageIndex").to_json()).collect();
    assert_eq!(idx, [r#""1""#, r#""2""#]);
}

/// asyncRestore without cookies re-creates the stored chat: the stored token as the
/// client key beside the configured headers, then the newest page, `restored` with
/// `async: true` and the mode data key, messages oldest first, then polling.
#[test]
fn async_restore_recreates_the_stored_chat() {
    let mut p = Page::boot(&config(""), host(Some(TOKEN)));
    assert_eq!(p.host.stored_reads, 1, "asked once, to decide");
    let create = p.take("/sessions");
    assert_eq!(create.method, "POST");
    assert_eq!(header(&create, "x-nexus-client-key").as_deref(), Some(TOKEN));
    assert_eq!(header(&create, "x-api-key").as_deref(), Some("k"));
    assert_eq!(Page::field(&create, "data[endpoint]").as_deref(), Some("ep"));
    assert!(p.data_keys().contains(&"sessionActive=true".to_owned()), "the controller marks it active at once");
    p.respond(&create, 200, &created());
    let req = p.take("/s-1/messages?count=20");
    p.mark();
    p.respond(&req, 200, &messages(&[9, 7, 8]));
    assert_eq!(p.event("restored").to_json(), r#"{"async":true}"#);
    assert!(p.data_keys().contains(&r#"WebChatService.mode={"async":true}"#.to_owned()));
    let m = p.event("messageReceived");
    let texts: Vec<String> = m.get("messages").as_array().into_iter().flatten().map(|x| x.get("text").to_js_string()).collect();
    assert_eq!(texts, ["m7", "m8", "m9"]);
    assert!(p.has_request("/s-1/messages?operationId="));
}

/// Nothing stored: asyncRestore rejects and nothing is sent.
#[test]
fn nothing_stored_means_nothing_to_restore() {
    let p = Page::boot(&config(""), host(None));
    assert!(p.http.is_empty());
    assert!(p.trace().iter().any(|l| l.starts_with("reject")));
}

/// A stored chat the server refuses (401 while restoring) is lost: the integrator's
/// deleteSessionData first, then restoreFailed, sessionLost and error.
#[test]
fn a_refused_stored_chat_is_deleted() {
    let mut p = Page::boot(&config(""), host(Some(TOKEN)));
    let create = p.take("/sessions");
    p.mark();
    p.respond(&create, 401, r#"{"status":{"code":"UNAUTHORIZED","message":"bad key"}}"#);
    let t = p.trace();
    let at = |l: &str| t.iter().position(|x| x == l).unwrap_or_else(|| panic!("{l} in {t:?}"));
    assert!(at("event restoreFailed") < at("event sessionLost"));
    assert!(at("storage delete") < at("event sessionLost"));
    assert!(at("event sessionLost") < at("event error"));
    assert!(!p.s.is_active());
}

/// fetchHistory pages back: the poll pauses, the page ending at the oldest index shown
/// arrives newest first as `oldMessages`, the poll resumes from the last index seen with
/// `waking`; a page of just that index means the start, and then "No more messages".
#[test]
fn history_pages_back_to_the_first_message() {
    let mut p = restored(&[18, 19, 20]);
    let id = p.cmd("fetchHistory", "{}");
    let page = p.take("/s-1/messages?index=18&count=20");
    assert!(!p.tick_until(p.now + 10_000) || !p.has_request("/messages?operationId="), "no poll while paused");
    p.respond(&page, 200, &messages(&[15, 16, 17, 18]));
    assert_eq!(p.resolved(id).path("status.code").to_json(), "0");
    let m = p.event("messageReceived");
    let texts: Vec<String> = m.get("messages").as_array().into_iter().flatten().map(|x| x.get("text").to_js_string()).collect();
    assert_eq!(texts, ["m17", "m16", "m15"], "newest first, the one already shown left out");
    assert_eq!(m.get("oldMessages"), &Value::Bool(true));
    assert!(p.events().contains(&"waking"));
    let resumed = p.take("/s-1/messages?operationId=");
    assert!(resumed.url.ends_with("&index=17"), "from the last index taken: {}", resumed.url);
    p.respond(&resumed, 200, &messages(&[15, 16, 17, 18, 19, 20]));
    assert_eq!(p.count("messageReceived"), 1, "nothing twice");
    p.mark();
    let id = p.cmd("fetchHistory", "{}");
    let page = p.take("/s-1/messages?index=15&count=20");
    p.respond(&page, 200, &messages(&[15]));
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    let id = p.cmd("fetchHistory", "{}");
    assert_eq!(p.rejected_text(id), "No more messages to fetch");
}

/// Deliberate: fetchHistory with no page shown (a chat started here) settles.
#[test]
fn history_before_any_page_settles() {
    let mut p = Page::boot(&config(""), host(None));
    p.cmd("startChat", "{}");
    let create = p.take("/sessions");
    p.respond(&create, 200, &created());
    let id = p.cmd("fetchHistory", "{}");
    assert_eq!(p.rejected_text(id), "No more messages to fetch");
}

/// pausePoll abandons the poll on its way (its answer is not used) and none follows;
/// with sleepEnabled, sleep pauses and wake resumes from the last index seen.
#[test]
fn pause_and_sleep_hold_the_poll_loop() {
    let mut p = restored(&[1, 2]);
    p.tick_until(u64::MAX);
    let poll = p.take("/s-1/messages?operationId=");
    let id = p.cmd("pausePoll", "{}");
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    p.respond(&poll, 200, &messages(&[3]));
    assert_eq!(p.count("messageReceived"), 0, "the abandoned answer is not used");
    assert!(!p.tick_until(p.now + 60_000) || p.http.is_empty());
    assert!(p.http.is_empty(), "no poll while paused");

    let mut p = Page::boot(&config(r#","sleepEnabled":true"#), host(Some(TOKEN)));
    let create = p.take("/sessions");
    p.respond(&create, 200, &created());
    let req = p.take("/s-1/messages?count=20");
    p.respond(&req, 200, &messages(&[4]));
    let poll = p.take("/s-1/messages?operationId=");
    p.respond(&poll, 200, &messages(&[]));
    p.mark();
    p.cmd("sleep", "{}");
    assert_eq!(p.count("sleeping"), 2, "the controller's and the transport's");
    p.cmd("wake", "{}");
    assert_eq!(p.count("waking"), 2);
    assert!(p.take("/s-1/messages?operationId=").url.ends_with("&index=4"));
}

/// The cross-tab flag: while another tab polls this one waits and tries again; a flag
/// left by a closed tab is taken after three tries; a poll sets it and its answer clears it.
#[test]
fn one_poll_at_a_time_across_tabs() {
    let mut p = restored(&[1]);
    p.host.poll_flag = Some("true".into());
    for _ in 0..3 {
        assert!(p.tick_until(u64::MAX));
        assert!(p.http.is_empty(), "refused while another tab polls");
    }
    assert!(p.tick_until(u64::MAX));
    let poll = p.take("/s-1/messages?operationId=");
    assert_eq!(p.host.poll_flag.as_deref(), Some("true"));
    p.respond(&poll, 200, &messages(&[]));
    assert_eq!(p.host.poll_flag.as_deref(), Some("false"));
}

/// When another tab took messages this one has not seen (the shared index cookie is
/// ahead), the poll asks from this page's last index: every tab gets every message once.
#[test]
fn a_tab_behind_the_shared_index_polls_from_its_own() {
    let mut p = restored(&[1, 2]);
    p.host.store.insert(cookies::INDEX.into(), "5".into());
    p.tick_until(u64::MAX);
    let poll = p.take("/s-1/messages?operationId=");
    assert!(poll.url.ends_with("&index=2"), "{}", poll.url);
    p.respond(&poll, 200, &messages(&[2, 3, 4, 5]));
    let m = p.event("messageReceived");
    assert_eq!(m.get("messages").as_array().map(Vec::len), Some(3));
    p.tick_until(u64::MAX);
    assert!(!p.take("/s-1/messages?operationId=").url.contains("index="), "caught up: plain polls again");
}

/// Deliberate: async.enabled without setSessionData/getSessionData is named on the
/// console and the chat is kept in cookies (the shipped transport throws on each request).
#[test]
fn async_without_the_functions_keeps_cookies() {
    let mut p = Page::boot(&config(""), MemoryHost::default());
    assert!(p.logs().iter().any(|l| l.contains("setSessionData and getSessionData functions")));
    p.cmd("startChat", "{}");
    let create = p.take("/sessions");
    p.respond(&create, 200, &created());
    assert_eq!(p.host.store.get(cookies::KEYS).map(String::as_str), Some(TOKEN));
    let poll = p.take("/s-1/messages?operationId=");
    assert_eq!(header(&poll, "x-nexus-client-key").as_deref(), Some(TOKEN));
}

/// Deliberate: a history page with nothing new (an empty page, or a server that ignores
/// `index`, asked again by `count` alone) is the start: the next fetchHistory rejects
/// instead of asking again forever.
#[test]
fn a_history_page_with_nothing_new_is_the_start() {
    for answer in [messages(&[]), messages(&[18, 19])] {
        let mut p = restored(&[18, 19]);
        let id = p.cmd("fetchHistory", "{}");
        let page = p.take("/s-1/messages?index=18&count=20");
        p.respond(&page, 200, &answer);
        if p.has_request("/s-1/messages?count=22") {
            // The page held what is shown and nothing older: by count now.
            let page = p.take("/s-1/messages?count=22");
            p.respond(&page, 200, &answer);
        }
        assert!(p.outcome(id).is_some_and(|o| o.ok));
        assert!(p.has_request("/s-1/messages?operationId="), "the poll goes on");
        let id = p.cmd("fetchHistory", "{}");
        assert_eq!(p.rejected_text(id), "No more messages to fetch", "after {answer}");
    }
}

/// Every command settles in every state of an async chat: before a chat, restoring,
/// chatting, paused for a history page, after the end.
#[test]
fn every_command_settles_in_every_state() {
    const COMMANDS: [(&str, &str); 27] = [
        ("startChat", "{}"), ("sendMessage", r#"{"message":"m"}"#), ("sendTyping", "{}"), ("sendFilteredMessage", r#"{"message":"m","regex":"x"}"#),
        ("sendCustomNotice", "{}"), ("addPrefilter", r#"{"filters":"x"}"#), ("updateUserData", r#"{"k":"v"}"#), ("updateInteractionData", "{}"),
        ("poll", "{}"), ("startPoll", "{}"), ("stopPoll", "{}"), ("pausePoll", "{}"), ("resetPollExceptions", "{}"), ("restore", "{}"),
        ("asyncRestore", "{}"), ("getTranscript", "{}"), ("getAgents", "{}"), ("getStats", "{}"), ("getSessionData", "{}"),
        ("verifySession", "{}"), ("sleep", "{}"), ("wake", "{}"), ("fetchHistory", "{}"), ("getFileLimits", "{}"), ("sendFile", "{}"),
        ("downloadFile", r#"{"fileId":"f"}"#), ("endChat", "{}"),
    ];
    let states: [fn() -> Page; 5] = [
        || Page::boot(&config(""), host(None)),
        || Page::boot(&config(""), host(Some(TOKEN))),
        || restored(&[3, 4]),
        || {
            let mut p = restored(&[3, 4]);
            p.cmd("fetchHistory", "{}");
            p
        },
        || {
            let mut p = restored(&[3, 4]);
            p.cmd("endChat", "{}");
            let leave = p.take("/participants/");
            p.respond(&leave, 200, r#"{"status":{"code":0},"data":{"chatEnded":true}}"#);
            p
        },
    ];
    for (n, state) in states.iter().enumerate() {
        for (name, data) in COMMANDS {
            let mut p = state();
            let id = p.cmd(name, data);
            // Answer whatever it asked for, as the server would.
            for _ in 0..10 {
                let Some(req) = p.http.first().cloned() else { break };
                p.http.remove(0);
                let body = if req.url.ends_with("/sessions") { created() } else { messages(&[]) };
                p.respond(&req, 200, &body);
            }
            assert!(p.outcome(id).is_some(), "{name} in state {n} did not settle");
        }
    }
}

/// A poll refused by the cross-tab flag right after a late create answer is retried
/// `pollTimeout` after that answer, not after the startChat command.
#[test]
fn a_refused_poll_waits_from_the_answer_that_asked_for_it() {
    let mut p = Page::boot(&config(""), host(None));
    p.cmd("startChat", "{}");
    let create = p.take("/sessions");
    p.advance(5000);
    p.host.poll_flag = Some("true".into());
    p.respond(&create, 200, &created());
    assert!(p.http.is_empty(), "refused while another tab polls");
    assert_eq!(p.s.poll_timeout(), Some(p.now + 1000), "the retry is one pollTimeout after the answer");
}

/// A server that ignores `index` on history pages (answers the newest page): the history
/// is fetched by a growing `count` instead, and the older messages arrive as history.
#[test]
fn a_server_that_ignores_the_history_index_is_paged_by_count() {
    let mut p = restored(&[18, 19]);
    let id = p.cmd("fetchHistory", "{}");
    let page = p.take("/s-1/messages?index=18&count=20");
    p.respond(&page, 200, &messages(&[18, 19]));
    assert!(p.outcome(id).is_none(), "asked again by count");
    let page = p.take("/s-1/messages?count=22");
    p.mark();
    p.respond(&page, 200, &messages(&(1..=19).collect::<Vec<_>>()));
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    let m = p.event("messageReceived");
    assert_eq!(m.get("oldMessages"), &Value::Bool(true));
    assert_eq!(m.get("messages").as_array().map(Vec::len), Some(17), "1..17, the older ones, once");
}

/// A poll of a server without a per-transport cursor (it answers the whole transcript)
/// after an async restore: the messages older than the restored page are left for
/// fetchHistory, not shown as new after the newest ones.
#[test]
fn a_poll_bringing_older_messages_leaves_them_for_history() {
    let mut p = restored(&[18, 19]);
    p.mark();
    while !p.has_request("/s-1/messages?operationId=") {
        assert!(p.tick_until(u64::MAX), "a poll is planned");
    }
    let poll = p.take("/s-1/messages?operationId=");
    p.respond(&poll, 200, &messages(&(1..=20).collect::<Vec<_>>()));
    let got: Vec<Value> = p.seen_events("messageReceived").iter().flat_map(|e| e.get("messages").as_array().cloned().unwrap_or_default()).collect();
    assert_eq!(got.len(), 1, "only 20 is new: {got:?}");
    let id = p.cmd("fetchHistory", "{}");
    let page = p.take("/s-1/messages?index=18&count=20");
    p.respond(&page, 200, &messages(&(1..=18).collect::<Vec<_>>()));
    assert!(p.outcome(id).is_some_and(|o| o.ok));
    assert_eq!(p.event("messageReceived").get("messages").as_array().map(Vec::len), Some(17), "1..17 as history");
}
