//! Engine scenarios on GMS Chat API v2, with a simulated clock and bus: every command in
//! each state with the shipped texts, the shipped order of events, data keys and bus
//! commands, and the deliberate improvements (README, compatibility table).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::{Page, Seen, T0};
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{HttpRequest, NetError};
use webchatservice::engine::{keys, PageEvent, Value};

const URL: &str = "http://gms.test/genesys/2/chat/customer-support";

fn config() -> String {
    format!(r#"{{"dataURL":"{URL}","userData":{{"harness":"conformance"}}}}"#)
}

/// A start answer for chat `n`.
fn started(n: u32) -> String {
    format!(r#"{{"chatId":"000{n}","statusCode":0,"alias":"10{n}","secureKey":"key{n}","userId":"U{n}","chatEnded":false,"nextPosition":2,"messages":[]}}"#)
}

fn refresh(messages: &str) -> String {
    format!(r#"{{"chatId":"0001","statusCode":0,"alias":"101","secureKey":"key1","userId":"U1","chatEnded":false,"messages":[{messages}]}}"#)
}

fn msg(index: u32, kind: &str, who: &str, id: u32, role: &str, text: Option<&str>) -> String {
    let text = text.map(|t| format!(r#","text":"{t}""#)).unwrap_or_default();
    format!(r#"{{"type":"{kind}","from":{{"nickname":"{who}","participantId":{id},"type":"{role}"}},"index":{index},"utcTime":{}{text}}}"#, 1_600_000_000_000u64 + index as u64 * 1000)
}

fn booted() -> Page {
    Page::boot(&config(), MemoryHost::default())
}

/// A page with an active chat (started and polling), the mark after it.
fn chatting() -> Page {
    let mut p = booted();
    p.cmd("startChat", r#"{"nickname":"Jane"}"#);
    let start = p.take("customer-support/");
    p.respond(&start, 200, &started(1));
    p.mark();
    p
}

/// The next poll: runs the clock until one is sent and returns it.
fn next_poll(p: &mut Page) -> HttpRequest {
    for _ in 0..200 {
        if p.has_request("/refresh") {
            return p.take("/refresh");
        }
        assert!(p.tick_until(u64::MAX), "no poll is planned");
    }
    panic!("no poll came")
}

/// Boot follows the shipped module: data keys first, configure through the bus, ready,
/// then configure's own userData key.
#[test]
fn boot_sets_the_shipped_data_keys_and_configures_through_the_bus() {
    let p = booted();
    assert_eq!(
        p.trace(),
        [
            "data sleeping=false",
            "data sessionActive=false",
            "command WebChatService.configure",
            "ready",
            r#"data userData={"harness":"conformance"}"#,
            "resolve 1",
        ]
    );
}

/// Every command with no chat settles as shipped, and the ones the shipped plugin leaves
/// pending settle too.
#[test]
fn commands_without_a_chat_settle_with_the_shipped_texts() {
    let mut p = booted();
    let cases: &[(&str, &str, &str)] = &[
        ("endChat", "{}", "There is no active chat session"),
        ("sendMessage", r#"{"message":"hi"}"#, "There is no active chat session"),
        ("sendFilteredMessage", r#"{"message":"hi"}"#, "No active chat session."),
        ("sendTyping", r#"{"isTyping":true}"#, "There is no active chat session"),
        ("sendFile", "{}", "There is no active chat session"),
        ("restore", "{}", "No chat session found to restore."),
        ("fetchHistory", "{}", "Fetching messages history applies to only Asynchronous chat."),
        ("startPoll", "{}", "There is no active chat session"),
        ("stopPoll", "{}", "Not currently polling. Ignoring command."),
        ("pausePoll", "{}", "This transport doesn't support pausePoll command."),
        ("updateInteractionData", "{}", "This transport doesn't support updateInteractionData command."),
        ("addPrefilter", r#"{"filters":"abc"}"#, "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions"),
    ];
    for (name, data, text) in cases {
        let id = p.cmd(name, data);
        assert_eq!(p.rejected_text(id), *text, "{name}");
    }
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id).to_json(), r#"{"sessionID":"","userId":"","secureKey":"","alias":""}"#);
    let id = p.cmd("getAgents", "{}");
    assert_eq!(p.resolved(id).to_json(), r#"{"agents":{}}"#);
    let id = p.cmd("getStats", "{}");
    assert_eq!(p.resolved(id).to_json(), r#"{"agents":{},"startTime":false,"endTime":false,"duration":false}"#);
    let id = p.cmd("verifySession", "{}");
    assert_eq!(p.resolved(id).to_json(), r#"{"sessionActive":false}"#);
    for name in ["resetPollExceptions", "sleep", "wake"] {
        let id = p.cmd(name, "{}");
        assert_eq!(p.resolved(id), Value::Undefined, "{name}");
    }
    let id = p.cmd("updateUserData", r#"{"extra":"value"}"#);
    assert_eq!(p.resolved(id).to_json(), r#"{"harness":"conformance","extra":"value"}"#);
    // The shipped plugin still sends these without a chat and rejects with the answer.
    let id = p.cmd("sendCustomNotice", r#"{"message":"n"}"#);
    let req = p.take("//customNotice");
    p.respond(&req, 400, r#"{"statusCode":2,"chatEnded":true,"errors":[{"code":300,"advice":"chat session (empty) not found"}]}"#);
    assert_eq!(p.rejected(id).get("status").as_f64(), Some(400.0));
    assert_eq!(p.event("error").get("status").as_f64(), Some(400.0));
}

/// A poll commanded by another plugin is refused with the Access Denied text, yet still
/// polls, as shipped.
#[test]
fn poll_from_another_plugin_is_refused_but_still_polls() {
    let mut p = booted();
    let id = p.cmd("poll", "{}");
    assert_eq!(p.rejected_text(id), "Access Denied to private command. Only WebChatService is allowed to invoke this command");
    let req = p.take("//refresh");
    assert_eq!(Page::field(&req, "transcriptPosition").as_deref(), Some("1"));
    assert!(p.host.store.contains_key(keys::PING), "the ping cookie is written");
}

/// startChat sends the flat v2 form with the merged userData, the page fields and the
/// language.
#[test]
fn start_chat_sends_the_v2_form() {
    let mut p = booted();
    p.page_event(PageEvent::Language(Value::str("en")));
    p.cmd("startChat", r#"{"nickname":"Jane","firstname":"Jane","lastname":"Doe","email":"j@x","subject":"S","userData":{"orderId":"42","list":[1,2],"nested":{"a":true}}}"#);
    let req = p.take("customer-support/");
    assert_eq!(req.url, format!("{URL}/"));
    let f = Page::fields(&req);
    let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(&keys[..9], ["alias", "secureKey", "userId", "nickname", "firstName", "lastName", "emailAddress", "subject", "text"]);
    for (k, val) in [
        ("userData[GCTI_LanguageCode]", "en"),
        ("userData[harness]", "conformance"),
        ("userData[orderId]", "42"),
        ("userData[nested][a]", "true"),
        ("userData[_genesys_widgets]", "9.0.018.07"),
        ("userData[_genesys_url]", "https://shop.test/p"),
    ] {
        assert_eq!(Page::field(&req, k).as_deref(), Some(val), "{k}");
    }
    assert_eq!(f.iter().filter(|(k, _)| k == "userData[list][]").count(), 2, "array items repeat the bracket key");
    assert!(p.host.store.contains_key(keys::START_LOCK));
}

/// A successful start publishes as shipped: the resolution, the data keys, started, the
/// bus commands, ajaxResponse, then pollingStarted from the startPoll round trip.
#[test]
fn start_chat_success_follows_the_shipped_order() {
    let mut p = booted();
    p.mark();
    let id = p.cmd("startChat", r#"{"nickname":"Jane"}"#);
    let start = p.take("customer-support/");
    p.respond(&start, 200, &started(1));
    let t = p.trace();
    let pos = |s: &str| t.iter().position(|x| x.starts_with(s)).unwrap_or_else(|| panic!("{s} not in {t:?}"));
    assert!(pos("command WebChatService.wake") < pos("data userData"));
    assert!(pos("data sessionActive=true") < pos("event started"));
    assert!(pos("event started") < pos("command WebChatService.startPoll"));
    assert!(pos("command WebChatService.startPoll") < pos("command App.registerAutoLoad"));
    assert!(pos("command App.registerAutoLoad") < pos(&format!("resolve {id}")));
    assert!(pos(&format!("resolve {id}")) < pos("event ajaxResponse"));
    assert!(pos("event ajaxResponse") < pos("event pollingStarted"));
    assert_eq!(p.event("started").to_json(), r#"{"sessionID":"0001","userId":"U1","secureKey":"key1","alias":"101"}"#);
    assert_eq!(p.host.store.get(keys::KEYS).map(String::as_str), Some(r#"{"secureKey":"key1","alias":"101","userId":"U1"}"#), "the shipped key order");
    assert!(!p.host.store.contains_key(keys::START_LOCK), "the start lock is released");
}

/// startChat refusals: already active, another tab starting, malformed userData, and a
/// start the server refuses (rejected with the jqXHR, plus an error event).
#[test]
fn start_chat_refusals() {
    let mut p = chatting();
    let id = p.cmd("startChat", "{}");
    assert_eq!(p.rejected_text(id), "There is already an active chat session");

    let mut host = MemoryHost::default();
    host.store.insert(keys::START_LOCK.into(), (T0 - 500).to_string());
    let mut p = Page::boot(&config(), host);
    let id = p.cmd("startChat", "{}");
    assert_eq!(p.rejected(id).to_json(), r#"{"statusCode":1}"#);

    let mut p = booted();
    let id = p.cmd("startChat", r#"{"userData":"{not json"}"#);
    assert_eq!(p.rejected_text(id), "malformed JSON provided in userData property");
    let id = p.cmd("startChat", r#"{"firstname":""}"#);
    let req = p.take("customer-support/");
    p.mark();
    p.respond(&req, 400, r#"{"statusCode":2,"chatEnded":true,"errors":[{"code":161,"advice":"nickname or firstName is required"}]}"#);
    let x = p.rejected(id);
    assert!(matches!(x, Value::Xhr(_)));
    assert_eq!(x.path("responseJSON.errors").as_array().map(Vec::len), Some(1));
    assert_eq!(p.events(), ["error"]);
}

/// A JSON-string userData merges like an object; a JSON array spreads by index (as
/// shipped); a JSON string is not spread character by character (a shipped bug).
#[test]
fn start_chat_user_data_shapes() {
    let mut p = booted();
    p.cmd("startChat", r#"{"userData":"[1,2]"}"#);
    let req = p.take("customer-support/");
    assert_eq!(Page::field(&req, "userData[0]").as_deref(), Some("1"));
    p.respond(&req, 500, "{}");
    p.cmd("startChat", r#"{"userData":"\"abc\""}"#);
    let req = p.take("customer-support/");
    assert!(Page::field(&req, "userData[2]").is_none());
}

/// Polls follow the shipped cadence: a 250 ms ticker, the interval growing ×1.2 from
/// 500 ms to 3 s, back to 500 ms after the visitor sends.
#[test]
fn polling_cadence() {
    let mut p = chatting();
    let mut times = Vec::new();
    for _ in 0..12 {
        let r = next_poll(&mut p);
        times.push(p.now);
        p.respond(&r, 200, &refresh(""));
    }
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps[..4], [750, 750, 1000, 1250]);
    assert_eq!(*gaps.last().unwrap(), 3000);
    p.cmd("sendMessage", r#"{"message":"hi"}"#);
    let send = p.take("/send");
    p.respond(&send, 200, &refresh(""));
    let before = p.now;
    let r = next_poll(&mut p);
    assert!(p.now - before <= 750, "activity brings the next poll forward");
    assert_eq!(Page::field(&r, "transcriptPosition").as_deref(), Some("1"));
}

/// Transcript entries become the shipped events, with live agents maps, the typing data
/// key, and the position advancing past what was shown.
#[test]
fn transcript_entries_become_events() {
    let mut p = chatting();
    let r = next_poll(&mut p);
    let entries = [
        msg(1, "ParticipantJoined", "Jane", 1, "Client", None),
        msg(2, "ParticipantJoined", "Anna", 2, "Agent", None),
        msg(3, "TypingStarted", "Anna", 2, "Agent", None),
        msg(4, "Message", "Anna", 2, "Agent", Some("Hello")),
    ]
    .join(",");
    p.mark();
    p.respond(&r, 200, &refresh(&entries));
    assert_eq!(p.events(), ["clientConnected", "agentConnected", "agentTypingStarted", "agentTypingStopped", "messageReceived", "ajaxResponse"]);
    // Subscribers see the agents map as it is after the whole answer.
    assert_eq!(p.event("clientConnected").get("agents").get("2").get("name").as_str(), Some("Anna"));
    assert_eq!(p.event("clientConnected").get("numAgentsConnected").as_f64(), Some(0.0));
    assert_eq!(p.event("agentConnected").get("numAgentsConnected").as_f64(), Some(1.0));
    let m = p.event("messageReceived");
    let last = &m.get("messages").as_array().unwrap()[3];
    assert_eq!(last.get("text").as_str(), Some("Hello"));
    assert!(last.as_object().unwrap().contains_key("html"), "absent fields are present as undefined");
    assert!(last.get("html").is_undefined());
    assert_eq!(last.get("from").to_json(), r#"{"id":2,"type":"Agent","name":"Anna"}"#);
    assert_eq!(p.data_keys(), ["agentTyping=true", "agentTyping=false"]);
    assert_eq!(p.host.store.get(keys::INDEX).map(String::as_str), Some("5"));
    let r = next_poll(&mut p);
    assert_eq!(Page::field(&r, "transcriptPosition").as_deref(), Some("5"));
    // The same entries again are not published twice.
    p.mark();
    p.respond(&r, 200, &refresh(&msg(4, "Message", "Anna", 2, "Agent", Some("Hello"))));
    assert!(!p.events().contains(&"messageReceived"));
}

/// A hidden message is not published (its answer is), still ends the agent's typing,
/// and does not advance the position (it is fetched again, as shipped).
#[test]
fn prefilters_hide_messages() {
    let mut p = chatting();
    let mut filters = webchatservice::engine::json::Map::new();
    filters.insert("filters", Value::RegExp(webchatservice::engine::RegexSpec::new("secret", "i")));
    let id = p.bus_command("Tester", "addPrefilter", Value::Object(filters));
    assert!(matches!(p.resolved(id).get("0"), Value::RegExp(_)), "resolves with {{0: /secret/i}}");
    assert_eq!(p.host.store.get(keys::FILTERS).map(String::as_str), Some(r#"{"custom":[{"source":"secret","flags":"i"}]}"#));
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 200, &refresh(&msg(1, "Message", "Anna", 2, "Agent", Some("a SECRET code"))));
    assert_eq!(p.events(), ["agentTypingStopped", "ajaxResponse"]);
    let r = next_poll(&mut p);
    assert_eq!(Page::field(&r, "transcriptPosition").as_deref(), Some("1"));
    p.mark();
    let both = [msg(1, "Message", "Anna", 2, "Agent", Some("a SECRET code")), msg(2, "Message", "Anna", 2, "Agent", Some("visible"))].join(",");
    p.respond(&r, 200, &refresh(&both));
    let m = p.event("messageReceived");
    assert_eq!(m.get("messages").as_array().map(Vec::len), Some(1));
    assert_eq!(m.get("originalMessages").as_array().map(Vec::len), Some(1), "hidden originals are left out");
    assert_eq!(p.event("ajaxResponse").get("messages").as_array().map(Vec::len), Some(1), "and the answer shows the filtered list");
}

/// Legacy preprocessors change the raw message in place; the normalised message is built
/// from it.
#[test]
fn preprocessors_change_raw_messages() {
    let host = MemoryHost { append_to_text: Some(" [pp]".into()), ..Default::default() };
    let mut p = Page::boot(&config(), host);
    p.cmd("startChat", "{}");
    let s = p.take("customer-support/");
    p.respond(&s, 200, &started(1));
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 200, &refresh(&msg(1, "Message", "Anna", 2, "Agent", Some("hi"))));
    let m = p.event("messageReceived");
    assert_eq!(m.get("messages").as_array().unwrap()[0].get("text").as_str(), Some("hi [pp]"));
    assert_eq!(m.get("originalMessages").as_array().unwrap()[0].get("text").as_str(), Some("hi"), "originals are the answer's");
}

/// Statuscode-1 polls: chatServerWentOffline after more than pollExceptionLimit, back
/// online (with reconnected) on the next good poll; resetPollExceptions.
#[test]
fn chat_server_offline_and_back() {
    let mut p = chatting();
    let offline = r#"{"chatId":"0001","statusCode":1,"chatEnded":false,"messages":[]}"#;
    for i in 0..6 {
        let r = next_poll(&mut p);
        p.mark();
        p.respond(&r, 200, offline);
        let went = p.events().contains(&"chatServerWentOffline");
        assert_eq!(went, i == 5, "poll {i}");
    }
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 200, &refresh(""));
    assert_eq!(p.events(), ["chatServerBackOnline", "reconnected", "ajaxResponse"]);
}

/// A lost connection publishes disconnected once, polls back off, a message typed then
/// waits and goes out once a poll succeeds again (reconnected), in order.
#[test]
fn messages_typed_while_disconnected_wait() {
    let mut p = chatting();
    let mut last = p.now;
    let mut gaps = Vec::new();
    for _ in 0..6 {
        let r = next_poll(&mut p);
        gaps.push(p.now - last);
        last = p.now;
        p.no_answer(&r, NetError::Network("offline".into()));
    }
    assert_eq!(p.count("disconnected"), 1, "once per outage");
    assert!(gaps[5] >= 4000, "polls back off during an outage: {gaps:?}");
    let a = p.cmd("sendMessage", r#"{"message":"first"}"#);
    let b = p.cmd("sendMessage", r#"{"message":"second"}"#);
    assert!(!p.has_request("/send"), "nothing is sent while disconnected");
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 200, &refresh(""));
    assert_eq!(p.events()[0], "reconnected");
    let s1 = p.take("/send");
    assert_eq!(Page::field(&s1, "message").as_deref(), Some("first"));
    assert!(!p.has_request("/send"), "one at a time");
    p.respond(&s1, 200, &refresh(""));
    let s2 = p.take("/send");
    assert_eq!(Page::field(&s2, "message").as_deref(), Some("second"));
    p.respond(&s2, 200, &refresh(""));
    assert!(p.outcome(a).unwrap().ok && p.outcome(b).unwrap().ok);
}

/// A send that timed out but arrived is settled by its copy in the transcript, not sent
/// again; one that did not arrive is sent again after a transcript without it.
#[test]
fn unanswered_sends_are_checked_before_resending() {
    let mut p = chatting();
    let a = p.cmd("sendMessage", r#"{"message":"arrived"}"#);
    let s = p.take("/send");
    p.no_answer(&s, NetError::Timeout);
    let r = next_poll(&mut p);
    p.respond(&r, 200, &refresh(&msg(1, "Message", "Jane", 1, "Client", Some("arrived"))));
    assert!(p.outcome(a).unwrap().ok, "settled by the transcript");
    assert!(!p.has_request("/send"));

    let b = p.cmd("sendMessage", r#"{"message":"lost"}"#);
    let s = p.take("/send");
    p.no_answer(&s, NetError::Timeout);
    let r = next_poll(&mut p);
    p.respond(&r, 200, &refresh(""));
    let again = p.take("/send");
    assert_eq!(Page::field(&again, "message").as_deref(), Some("lost"));
    p.respond(&again, 200, &refresh(""));
    assert!(p.outcome(b).unwrap().ok);
}

/// Two identical messages: the first's copy in the transcript does not settle the
/// second, unanswered one (it is sent again).
#[test]
fn an_identical_second_message_is_not_taken_for_the_first() {
    let mut p = chatting();
    let a = p.cmd("sendMessage", r#"{"message":"ok"}"#);
    let s = p.take("/send");
    p.respond(&s, 200, &refresh(""));
    assert!(p.outcome(a).unwrap().ok);
    let b = p.cmd("sendMessage", r#"{"message":"ok"}"#);
    let s = p.take("/send");
    p.no_answer(&s, NetError::Timeout);
    let r = next_poll(&mut p);
    p.respond(&r, 200, &refresh(&msg(1, "Message", "Jane", 1, "Client", Some("ok"))));
    assert!(p.outcome(b).is_none(), "the first one's copy");
    let again = p.take("/send");
    p.respond(&again, 200, &refresh(""));
    assert!(p.outcome(b).unwrap().ok);
}

/// A message queued while disconnected still goes out after stopPoll: the outbox probes
/// on its own (it used to wait for a poll that never came).
#[test]
fn a_queued_message_settles_after_stop_poll() {
    let mut p = chatting();
    let r = next_poll(&mut p);
    p.no_answer(&r, NetError::Network("x".into()));
    let id = p.cmd("sendMessage", r#"{"message":"later"}"#);
    p.cmd("stopPoll", "{}");
    p.advance(5_000);
    let probe = p.take("/refresh");
    p.respond(&probe, 200, &refresh(""));
    let s = p.take("/send");
    p.respond(&s, 200, &refresh(""));
    assert!(p.outcome(id).unwrap().ok);
}

/// endChat: stopPoll through the bus, the disconnect, the shipped events, and (unlike the
/// shipped plugin) a resolution; a failed disconnect still ends the chat.
#[test]
fn end_chat() {
    let mut p = chatting();
    let id = p.cmd("endChat", "{}");
    assert_eq!(p.commands(), ["WebChatService.stopPoll"]);
    assert_eq!(p.events(), ["pollingStopped"]);
    let d = p.take("/disconnect");
    p.mark();
    p.respond(&d, 200, r#"{"chatId":"0001","statusCode":0,"chatEnded":true,"messages":[]}"#);
    assert!(p.outcome(id).unwrap().ok);
    assert_eq!(p.events(), ["supervisorDisconnected", "agentDisconnected", "clientDisconnected", "ended", "ajaxResponse"]);
    assert_eq!(p.event("agentDisconnected").to_json(), r#"{"numAgentsConnected":0}"#);
    assert_eq!(p.commands(), ["App.deregisterAutoLoad"]);
    assert!(!p.host.store.contains_key(keys::SESSION) && !p.host.store.contains_key(keys::KEYS));
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id).get("sessionID").as_str(), Some(""));

    let mut p = chatting();
    let id = p.cmd("endChat", "{}");
    let d = p.take("/disconnect");
    p.mark();
    p.no_answer(&d, NetError::Network("x".into()));
    assert!(!p.outcome(id).unwrap().ok);
    assert!(p.events().contains(&"ended"));
    assert!(!p.s.is_active());
}

/// The server ends the chat in a poll answer: ended, cookies gone, the transcript kept
/// for getTranscript.
#[test]
fn the_server_ends_the_chat() {
    let mut p = chatting();
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 200, &format!(r#"{{"chatId":"0001","statusCode":0,"chatEnded":true,"messages":[{}]}}"#, msg(1, "Message", "Anna", 2, "Agent", Some("bye"))));
    assert!(p.events().contains(&"ended"));
    assert!(p.commands().contains(&"WebChatService.stopPoll"));
    // The messages' sessionData is what subscribers see after the step: the ids are gone.
    assert_eq!(p.event("messageReceived").get("sessionData").get("sessionID").as_str(), Some(""));
    let id = p.cmd("getTranscript", "{}");
    assert_eq!(p.resolved(id).get("messages").as_array().map(Vec::len), Some(1));
}

/// Another tab ended the chat (the session cookie is gone): the next request ends it here.
#[test]
fn another_tab_ended_the_chat() {
    let mut p = chatting();
    p.host.store.remove(keys::SESSION);
    p.mark();
    p.advance(1_000);
    assert!(p.events().contains(&"ended"));
    assert!(!p.s.is_active());
}

fn saved(ping_age: Option<u64>, keys_cookie: &str) -> MemoryHost {
    let mut host = MemoryHost::default();
    host.store.insert(keys::SESSION.into(), "0001".into());
    host.store.insert(keys::KEYS.into(), keys_cookie.into());
    if let Some(age) = ping_age {
        host.store.insert(keys::PING.into(), (T0 - age).to_string());
    }
    host
}

const KEYS: &str = r#"{"secureKey":"key1","alias":"101","userId":"U1"}"#;

/// A saved chat restores on configure, as shipped: restore through the bus, a refresh
/// from position 1, restored, the entries with restoring, the session active, polling.
#[test]
fn restore_from_valid_cookies() {
    let mut p = Page::boot(&config(), saved(Some(1_000), KEYS));
    assert!(p.commands().contains(&"WebChatService.restore"));
    let r = p.take("/0001/refresh");
    assert_eq!(Page::field(&r, "secureKey").as_deref(), Some("key1"));
    assert_eq!(Page::field(&r, "transcriptPosition").as_deref(), Some("1"));
    let verify = p.cmd("verifySession", "{}");
    assert!(p.outcome(verify).is_none(), "verifySession waits for the restore");
    p.mark();
    p.respond(&r, 200, &refresh(&[msg(1, "ParticipantJoined", "Jane", 1, "Client", None), msg(2, "Message", "Anna", 2, "Agent", Some("hi"))].join(",")));
    assert_eq!(&p.commands()[..2], ["App.registerAutoLoad", "WebChatService.startPoll"]);
    assert_eq!(&p.events()[..2], ["restored", "clientConnected"]);
    let m = p.event("messageReceived");
    assert_eq!(m.get("restoring"), &Value::Bool(true));
    assert_eq!(m.get("messages").as_array().unwrap()[0].get("restoring"), &Value::Bool(true));
    assert_eq!(p.resolved(verify).to_json(), r#"{"sessionActive":true}"#);
    assert!(p.s.is_active());
}

/// Cookies of a chat nobody polled for restoreTimeout are dropped with restoreTimeout; a
/// chat that ended meanwhile gives restoreTimeout too; unreachable gives restoreFailed.
#[test]
fn restore_outcomes() {
    let p = Page::boot(&config(), saved(Some(61_000), KEYS));
    assert!(p.events().contains(&"restoreTimeout"));
    assert!(!p.host.store.contains_key(keys::SESSION));
    assert!(p.http.is_empty());

    let mut p = Page::boot(&config(), saved(None, KEYS));
    let r = p.take("/refresh");
    p.mark();
    p.respond(&r, 200, r#"{"chatId":"0001","statusCode":0,"chatEnded":true,"messages":[]}"#);
    assert!(p.events().contains(&"restoreTimeout"));
    assert!(!p.host.store.contains_key(keys::SESSION));

    let mut p = Page::boot(&config(), saved(None, KEYS));
    let r = p.take("/refresh");
    p.mark();
    p.no_answer(&r, NetError::Network("x".into()));
    // Deliberate: tried again five times (1 s, 2 s, 4 s, 8 s, 16 s) before giving up.
    for _ in 0..5 {
        assert!(p.events().is_empty(), "{:?}", p.events());
        assert!(p.tick_until(u64::MAX));
        let r = p.take("/refresh");
        p.no_answer(&r, NetError::Network("x".into()));
    }
    assert_eq!(p.events(), ["error", "restoreFailed"]);
    assert!(p.host.store.contains_key(keys::SESSION), "cookies stay for a later page");
}

/// Garbage or partial cookies never break the plugin: nothing to restore, a console line.
#[test]
fn restore_from_garbage_cookies() {
    for keys_cookie in ["{not json", "[]", "{}", "null", "\"x\""] {
        let mut p = Page::boot(&config(), saved(None, keys_cookie));
        assert!(p.http.is_empty(), "{keys_cookie}");
        let id = p.cmd("restore", "{}");
        assert_eq!(p.rejected_text(id), "No chat session found to restore.");
    }
}

/// The typing window: startTyping with the preview text, then stopTyping 2 s after the
/// last sendTyping with the position captured at the start.
#[test]
fn typing_window() {
    let mut p = chatting();
    p.host.preview = Some("typed so far".into());
    p.mark();
    let a = p.cmd("sendTyping", r#"{"isTyping":true}"#);
    let start = p.take("/startTyping");
    assert_eq!(Page::field(&start, "message").as_deref(), Some("typed so far"));
    assert_eq!(p.events(), ["clientTypingStarted"]);
    p.respond(&start, 200, &refresh(""));
    assert!(p.outcome(a).unwrap().ok);
    p.advance(1_000);
    let b = p.cmd("sendTyping", "{}");
    assert_eq!(p.resolved(b), Value::Undefined);
    assert!(!p.has_request("/startTyping"));
    p.advance(1_900);
    assert!(!p.has_request("/stopTyping"));
    p.advance(200);
    let stop = p.take("/stopTyping");
    assert_eq!(Page::field(&stop, "transcriptPosition"), Page::field(&start, "transcriptPosition"));
    assert!(p.events().contains(&"clientTypingStopped"));
}

/// updateUserData: the data key always, the server only while chatting.
#[test]
fn update_user_data() {
    let mut p = chatting();
    let id = p.cmd("updateUserData", r#"{"tier":"gold"}"#);
    let req = p.take("/updateData");
    assert_eq!(Page::field(&req, "userData[tier]").as_deref(), Some("gold"));
    p.respond(&req, 200, &refresh(""));
    assert!(p.outcome(id).unwrap().ok);
    assert!(p.data_keys().iter().any(|k| k.contains("tier")));
}

/// Error answers as shipped: 404 without errors is InvalidService; code 306 too; code
/// 204 entries of a refresh are dropped (skipping the next, as shipped).
#[test]
fn error_mapping() {
    let mut p = booted();
    let id = p.cmd("sendCustomNotice", "{}");
    let r = p.take("/customNotice");
    p.respond(&r, 404, "");
    assert_eq!(p.rejected(id).get("errorReason").as_str(), Some("InvalidService"));
    let id = p.cmd("sendCustomNotice", "{}");
    let r = p.take("/customNotice");
    p.respond(&r, 400, r#"{"errors":[{"code":306}]}"#);
    assert_eq!(p.rejected(id).get("errorReason").as_str(), Some("InvalidService"));

    let mut p = chatting();
    let r = next_poll(&mut p);
    p.mark();
    p.respond(&r, 400, r#"{"errors":[{"code":204},{"code":204},{"code":1}]}"#);
    let e = p.event("error");
    assert_eq!(e.path("responseJSON.errors").as_array().map(Vec::len), Some(2));
}

/// apikey goes as a header; Authorization from App's header only with enableCustomHeader.
#[test]
fn request_headers() {
    let host = MemoryHost { authorization: Some("Bearer t".into()), ..Default::default() };
    let mut p = Page::boot(&format!(r#"{{"dataURL":"{URL}","apikey":"k","enableCustomHeader":true}}"#), host);
    p.cmd("startChat", "{}");
    let r = p.take("customer-support/");
    assert!(r.headers.contains(&("apikey".into(), "k".into())));
    assert!(r.headers.contains(&("Authorization".into(), "Bearer t".into())));
}

/// With sleepEnabled, focus loss sleeps (polls every pollRateSleep) and focus wakes
/// (customNotice cancel-idle-timer).
#[test]
fn sleep_and_wake() {
    let mut p = Page::boot(&format!(r#"{{"dataURL":"{URL}","sleepEnabled":true,"pollRateSleep":10000}}"#), MemoryHost::default());
    p.cmd("startChat", "{}");
    let s = p.take("customer-support/");
    p.respond(&s, 200, &started(1));
    p.page_event(PageEvent::Focus(Value::Bool(false)));
    assert!(p.data_keys().iter().any(|k| k == "sleeping=true"));
    let r = next_poll(&mut p);
    p.respond(&r, 200, &refresh(""));
    let before = p.now;
    let r = next_poll(&mut p);
    assert!(p.now - before >= 10_000, "asleep, polls every pollRateSleep");
    p.respond(&r, 200, &refresh(""));
    p.page_event(PageEvent::Focus(Value::Bool(true)));
    let n = p.take("/customNotice");
    assert_eq!(Page::field(&n, "eventAttributes").as_deref(), Some(r#"{"purpose":"cancel-idle-timer"}"#));
}

/// Answers to the requests of a previous chat do not touch the next one: a late poll or
/// send answer of chat 1 while chat 2 starts neither ends nor changes chat 2.
#[test]
fn late_answers_of_a_previous_chat_are_ignored() {
    let mut p = chatting();
    let old_poll = next_poll(&mut p);
    let id = p.cmd("endChat", "{}");
    let d = p.take("/disconnect");
    p.respond(&d, 200, r#"{"statusCode":0,"chatEnded":true}"#);
    assert!(p.outcome(id).unwrap().ok);
    p.cmd("startChat", "{}");
    let s = p.take("customer-support/");
    p.respond(&s, 200, &started(2));
    p.mark();
    p.respond(&old_poll, 200, r#"{"chatId":"0001","statusCode":0,"chatEnded":true,"messages":[{"type":"Message","index":1,"text":"old"}]}"#);
    assert!(p.s.is_active(), "chat 2 goes on");
    assert!(!p.events().contains(&"messageReceived"));
    let id = p.cmd("getSessionData", "{}");
    assert_eq!(p.resolved(id).get("sessionID").as_str(), Some("0002"));
    assert!(p.s.poll_timeout().is_some_and(|t| t >= p.now), "no deadline in the past");
}

/// Absurd numbers from the server never overflow: an index of 2⁶⁴ − 1 or 1e300.
#[test]
fn huge_indexes_do_not_overflow() {
    for index in ["18446744073709551615", "1e300", "-5", "\"12abc\""] {
        let mut p = chatting();
        let r = next_poll(&mut p);
        p.respond(&r, 200, &format!(r#"{{"statusCode":0,"chatEnded":false,"messages":[{{"type":"Message","index":{index},"text":"x","from":{{"type":"Agent","participantId":2}}}}]}}"#));
        let r = next_poll(&mut p);
        assert!(Page::field(&r, "transcriptPosition").is_some());
    }
}

/// Timer options above what browsers can wait are clamped (they would fire at once).
#[test]
fn absurd_timer_options_are_clamped() {
    let mut p = Page::boot(&format!(r#"{{"dataURL":"{URL}","ajaxTimeout":1e15}}"#), MemoryHost::default());
    assert!(p.logs().iter().any(|l| l.contains("ajaxTimeout")));
    p.cmd("startChat", "{}");
    let r = p.take("customer-support/");
    assert_eq!(r.timeout_ms, 2_147_483_647);
}

/// A missing configuration rejects every command with the shipped text.
#[test]
fn no_configuration() {
    let mut p = Page::boot("{}", MemoryHost::default());
    assert!(p.ready);
    let id = p.cmd("startChat", "{}");
    assert_eq!(p.rejected_text(id), "Invalid configuration");
    assert!(p.seen.iter().any(|s| matches!(s, Seen::Log(l) if l.contains("webchat.dataURL is missing"))));
}

/// A late send answer of the previous chat neither ends nor settles anything in the next.
#[test]
fn a_late_send_answer_of_the_previous_chat() {
    let mut p = chatting();
    let a = p.cmd("sendMessage", r#"{"message":"slow"}"#);
    let old_send = p.take("/send");
    p.cmd("endChat", "{}");
    let d = p.take("/disconnect");
    p.respond(&d, 200, r#"{"statusCode":0,"chatEnded":true}"#);
    assert!(!p.outcome(a).unwrap().ok, "the chat ended with it queued");
    p.cmd("startChat", "{}");
    let s = p.take("customer-support/");
    p.respond(&s, 200, &started(2));
    p.respond(&old_send, 200, r#"{"statusCode":0,"chatEnded":true}"#);
    assert!(p.s.is_active(), "chat 2 goes on");
}

/// Prefilters are bounded so their cookie stays readable (browsers drop cookies over 4 KB).
#[test]
fn prefilters_are_bounded() {
    let mut p = chatting();
    let mut last = 0;
    for i in 0..60 {
        let mut m = webchatservice::engine::json::Map::new();
        m.insert("filters", Value::RegExp(webchatservice::engine::RegexSpec::new(format!("pattern-number-{i}"), "")));
        last = p.bus_command("Tester", "addPrefilter", Value::Object(m));
    }
    assert!(!p.outcome(last).unwrap().ok);
    assert!(p.host.store.get(keys::FILTERS).is_some_and(|c| c.len() < 4000));
}

/// A chat id from a cookie cannot steer the restore request to another path: it is
/// encoded as one path segment.
#[test]
fn a_cookie_chat_id_is_one_path_segment() {
    let mut host = saved(Some(1_000), KEYS);
    host.store.insert(keys::SESSION.into(), "../../x?y=1#z&a".into());
    let mut p = Page::boot(&config(), host);
    let r = p.take("/refresh");
    assert!(r.url.ends_with("/customer-support/..%2F..%2Fx%3Fy%3D1%23z%26a/refresh"), "{}", r.url);
}

fn picked(name: &str) -> Option<webchatservice::engine::FileInfo> {
    Some(webchatservice::engine::FileInfo { name: name.into(), size: 5, mime: "text/plain".into() })
}

/// The answer to a good upload: the shipped server's `statusCode` 0 with the file's id.
const UPLOADED: &str = r#"{"chatId":"0001","statusCode":0,"alias":"101","secureKey":"key1","userId":"U1","chatEnded":false,"userData":{"file-id":"f-1"}}"#;

/// sendFile posts the chosen file as the multipart part `file` before alias, userId and
/// secureKey, with fileUploadTimeout (none by default), and resolves with the parsed
/// answer after `ajaxResponse` has published the answer's text.
#[test]
fn send_file_uploads_the_chosen_file_and_resolves_after_ajax_response() {
    let mut p = chatting();
    let id = p.send_file(picked("note.txt"));
    let req = p.take("/0001/file");
    match &req.body {
        webchatservice::engine::Body::Multipart { file, fields } => {
            assert_eq!(*file, Some(webchatservice::engine::FileRef(id)), "the File of this command is the part");
            let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(names, ["alias", "userId", "secureKey"]);
            assert_eq!(Page::field(&req, "secureKey").as_deref(), Some("key1"));
        }
        other => panic!("not multipart: {other:?}"),
    }
    assert_eq!(req.timeout_ms, 300_000, "deliberate: a long upload deadline unless fileUploadTimeout says (the shipped one has none)");
    p.mark();
    p.respond(&req, 200, UPLOADED);
    let trace = p.trace();
    let ajax = trace.iter().position(|l| l == "event ajaxResponse").expect("ajaxResponse published");
    let resolved = trace.iter().position(|l| *l == format!("resolve {id}")).expect("sendFile resolves");
    assert!(ajax < resolved, "{trace:?}");
    assert_eq!(p.event("ajaxResponse").as_str(), Some(UPLOADED), "ajaxResponse carries the text, as the multipart read gives it");
    assert_eq!(p.resolved(id).path("userData.file-id").as_str(), Some("f-1"));
}

/// A 200 whose statusCode is not 0 rejects with the parsed answer; a 200 that is not JSON
/// rejects with its text (the shipped JSON.parse throws and never settles).
#[test]
fn send_file_rejects_an_answer_that_is_not_a_success() {
    let mut p = chatting();
    let id = p.send_file(picked("note.txt"));
    let req = p.take("/file");
    p.respond(&req, 200, r#"{"statusCode":1}"#);
    assert_eq!(p.rejected(id).get("statusCode").as_f64(), Some(1.0));
    let id = p.send_file(picked("note.txt"));
    let req = p.take("/file");
    p.respond(&req, 200, "<html>proxy</html>");
    assert_eq!(p.rejected(id).as_str(), Some("<html>proxy</html>"));
}

/// A 400 names the file in each of its errors (also in responseText) and publishes
/// `error`, then rejects; nothing says the connection was lost.
#[test]
fn a_refused_upload_names_the_file_in_each_error() {
    let mut p = chatting();
    let id = p.send_file(picked("big.pdf"));
    let req = p.take("/file");
    p.mark();
    p.respond(&req, 400, r#"{"statusCode":2,"errors":[{"code":202,"advice":"2097152"},{"code":203,"advice":"jpg:png"}]}"#);
    let err = p.event("error");
    assert_eq!(err.get("status").as_f64(), Some(400.0));
    let text = err.get("responseText").as_str().expect("responseText stays text").to_owned();
    assert_eq!(text, r#"{"statusCode":2,"errors":[{"code":202,"advice":"2097152","filename":"big.pdf"},{"code":203,"advice":"jpg:png","filename":"big.pdf"}]}"#);
    assert_eq!(p.rejected(id).get("responseText").as_str(), Some(text.as_str()));
    assert!(!p.events().contains(&"disconnected"));
}

/// An upload that gets no answer reports `errorReason: "FileUploadError"` with the
/// file's name and the File itself, and does not mark the chat disconnected.
#[test]
fn an_upload_with_no_answer_is_a_file_upload_error_with_the_file() {
    let mut p = Page::boot(&format!(r#"{{"dataURL":"{URL}","fileUploadTimeout":15000}}"#), MemoryHost::default());
    p.cmd("startChat", r#"{"nickname":"Jane"}"#);
    let start = p.take("customer-support/");
    p.respond(&start, 200, &started(1));
    let id = p.send_file(picked("photo.png"));
    let req = p.take("/file");
    assert_eq!(req.timeout_ms, 15000);
    p.mark();
    p.no_answer(&req, NetError::Timeout);
    let err = p.event("error");
    assert_eq!(err.get("errorReason").as_str(), Some("FileUploadError"));
    assert_eq!(err.get("filename").as_str(), Some("photo.png"));
    assert_eq!(err.get("file"), &Value::File(webchatservice::engine::FileRef(id)), "the very File the page passed");
    assert_eq!(p.rejected(id).get("errorReason").as_str(), Some("FileUploadError"));
    assert!(!p.events().contains(&"disconnected"));
}

/// Any other failed status only rejects: no `error` event (as shipped).
#[test]
fn an_upload_failing_with_500_only_rejects() {
    let mut p = chatting();
    let id = p.send_file(picked("note.txt"));
    let req = p.take("/file");
    p.respond(&req, 500, "oops");
    assert_eq!(p.rejected(id).get("status").as_f64(), Some(500.0));
    assert!(!p.events().contains(&"error"));
}

/// sendFile settles without a session or without a chosen file (the shipped one throws a
/// TypeError and leaves the command pending when no file is chosen).
#[test]
fn send_file_without_a_chat_or_a_file_rejects() {
    let mut p = booted();
    let id = p.send_file(picked("note.txt"));
    assert_eq!(p.rejected_text(id), "There is no active chat session");
    let mut p = chatting();
    let id = p.send_file(None);
    assert_eq!(p.rejected_text(id), webchatservice::engine::texts::NO_FILE_CHOSEN);
    assert!(!p.has_request("/file"));
}

/// getFileLimits posts `file/limits` with the ids and resolves with the answer's text
/// before `ajaxResponse`; downloadFile submits the shipped form to the download URL.
#[test]
fn file_limits_and_download_go_where_the_shipped_ones_do() {
    let mut p = chatting();
    let id = p.cmd("getFileLimits", "{}");
    let req = p.take("/0001/file/limits");
    assert!(matches!(req.body, webchatservice::engine::Body::Multipart { file: None, .. }));
    let answer = r#"{"statusCode":0,"messages":[{"type":"Notice","text":"file-client-cfg-get","userData":{"upload-max-files":"3"}}]}"#;
    p.mark();
    p.respond(&req, 200, answer);
    assert_eq!(p.resolved(id).as_str(), Some(answer));
    let trace = p.trace();
    assert!(trace.iter().position(|l| *l == format!("resolve {id}")) < trace.iter().position(|l| l == "event ajaxResponse"), "{trace:?}");
    p.mark();
    let id = p.cmd("downloadFile", r#"{"fileId":"f 1"}"#);
    assert_eq!(p.resolved(id), Value::Undefined);
    let form = p.seen.iter().rev().find_map(|s| if let Seen::Form(url, fields) = s { Some((url.clone(), fields.clone())) } else { None }).expect("a form is submitted");
    assert_eq!(form.0, format!("{URL}/0001/file/f%201/download"));
    let names: Vec<&str> = form.1.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["alias", "secureKey", "userId"]);
}

/// A good upload while the chat is marked disconnected publishes `reconnected` (the
/// shipped file request publishes `disconnected` there, and the UI stays offline).
#[test]
fn a_good_upload_after_an_outage_reconnects() {
    let mut p = chatting();
    let poll = next_poll(&mut p);
    p.no_answer(&poll, NetError::Network("down".into()));
    assert_eq!(p.count("disconnected"), 1);
    let id = p.send_file(picked("note.txt"));
    let req = p.take("/file");
    p.mark();
    p.respond(&req, 200, UPLOADED);
    assert_eq!(p.count("reconnected"), 1);
    assert_eq!(p.count("disconnected"), 0);
    assert!(p.outcome(id).is_some_and(|o| o.ok));
}
