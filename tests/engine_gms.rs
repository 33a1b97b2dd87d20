//! Engine scenarios for the GMS transport, with a simulated clock: every command in each
//! state with its exact resolution or rejection, the polling cadence, offline/online,
//! disconnect/reconnect without loss or duplicates, restore from valid, expired and garbage
//! cookies, filters and preprocessors, and the wire format of each request.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::sim::*;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::keys;
use webchatservice::engine::output::{Action, NetError, Outcome, ReplyValue};
use webchatservice::engine::{Command, RegexSpec};

fn text(v: &str) -> Value {
    json!({"message": v})
}

/// Without a chat, each command answers with the shipped text (or value) at once.
#[test]
fn idle_commands_settle_with_the_shipped_texts() {
    let mut sim = Sim::new();
    let cases: Vec<(Command, &str)> = vec![
        (Command::SendMessage(text("hi")), "There is no active chat session"),
        (Command::EndChat, "There is no active chat session"),
        (Command::SendTyping(json!({})), "There is no active chat session"),
        (Command::SendCustomNotice(text("n")), "There is no active chat session"),
        (Command::SendFilteredMessage { data: text("x"), regex: None }, "No active chat session."),
        (Command::StartPoll, "No active chat session"),
        (Command::StopPoll, "No active chat session"),
        (Command::Poll { commander: "WebChatService".into() }, "No active chat session"),
        (Command::Poll { commander: "WebChat".into() }, "Access Denied to private command. Only WebChatService is allowed to invoke this command"),
        (Command::Restore { commander: "WebChatService".into() }, "No chat session found to restore."),
        (Command::Restore { commander: "WebChat".into() }, "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode."),
        (Command::FetchHistory, "Fetching messages history applies to only Asynchronous chat."),
        (Command::AddPrefilter(None), "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions"),
        (Command::AddPrefilter(Some(vec![])), "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions"),
        (Command::PausePoll, "This transport doesn't support pausePoll command."),
    ];
    for (cmd, expected) in cases {
        let label = format!("{cmd:?}");
        let id = sim.command(cmd);
        assert_eq!(sim.rejected_with(id), expected, "{label}");
    }
    assert!(sim.http.is_empty(), "no request was sent");
    for (cmd, expected) in [
        (Command::VerifySession, json!({"sessionActive": false})),
        (Command::GetTranscript, json!({"messages": [], "originalMessages": []})),
        (Command::GetAgents, json!({"agents": {}})),
        (Command::GetStats, json!({"agents": {}, "startTime": false, "endTime": false, "duration": false})),
        (Command::GetSessionData, json!({})),
        (Command::UpdateUserData(json!({"a": 1})), json!({"a": 1})),
        (Command::Load, Value::Null),
        (Command::ResetPollExceptions, Value::Null),
        (Command::Sleep, Value::Null),
        (Command::Wake, Value::Null),
    ] {
        let label = format!("{cmd:?}");
        let id = sim.command(cmd);
        assert_eq!(sim.resolved(id), expected, "{label}");
    }
    for cmd in [Command::GetFileLimits, Command::SendFile, Command::DownloadFile] {
        let id = sim.command(cmd);
        assert!(sim.rejected_with(id).contains("not available"), "files reject clearly");
    }
}

/// startChat posts the flat v2 form with bracketed, merged userData to `{dataURL}/`.
#[test]
fn start_chat_sends_the_v2_form() {
    let mut sim = Sim::with_config(json!({"dataURL": DATA_URL, "apikey": "K", "userData": {"cfg": "1", "shared": "config"}, "endpoint": "ep1"}));
    sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo", "firstname": "Jo", "lastname": "Doe", "email": "jo@x.io",
        "subject": "Help", "userData": "{\"shared\":\"call\",\"n\":{\"deep\":2}}"})));
    let req = sim.next_request();
    assert_eq!(req.url, format!("{DATA_URL}/"));
    assert_eq!(req.method, "POST");
    assert!(req.headers.contains(&("apikey".into(), "K".into())));
    assert!(req.headers.contains(&("Content-Type".into(), "application/x-www-form-urlencoded".into())));
    assert_eq!(req.timeout_ms, 3000);
    for (k, v) in [("nickname", "Jo"), ("firstName", "Jo"), ("lastName", "Doe"), ("emailAddress", "jo@x.io"), ("subject", "Help"),
        ("text", ""), ("alias", ""), ("secureKey", ""), ("userId", ""), ("endpoint", "ep1"),
        ("userData[cfg]", "1"), ("userData[shared]", "call"), ("userData[n][deep]", "2"), ("userData[_genesys_url]", "https://shop.test/p"),
        ("userData[_genesys_pageTitle]", "Shop"), ("userData[_genesys_source]", "web")] {
        assert_eq!(field(&req, k).as_deref(), Some(v), "{k}");
    }
}

/// The form shape (`data.form`) works as the flat one does.
#[test]
fn start_chat_accepts_the_form_shape() {
    let mut sim = Sim::new();
    sim.command(Sim::start_chat_cmd(json!({"form": {"nickname": "Fo", "email": "f@x.io"}})));
    let req = sim.next_request();
    assert_eq!(field(&req, "nickname").as_deref(), Some("Fo"));
    assert_eq!(field(&req, "emailAddress").as_deref(), Some("f@x.io"));
}

/// A successful start publishes ajaxResponse, started, pollingStarted in the shipped order and resolves with the answer.
#[test]
fn start_chat_success_order() {
    let mut sim = Sim::new();
    let id = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    let req = sim.next_request();
    sim.mark();
    sim.answer(&req, started_body());
    assert_eq!(
        sim.trace(),
        vec!["event:ajaxResponse", "data:WebChatService.sessionData={\"alias\":\"117\",\"secureKey\":\"4ee15d7e1c343c8e\",\"sessionID\":\"00048aAPEQJ8000U\",\"userId\":\"007555677B20000A\"}",
             "data:sessionActive=true", "event:started", "event:pollingStarted", "bus:App.registerAutoLoad", &format!("resolve:{id}")]
    );
    assert_eq!(sim.event("started"), json!({"sessionID": "00048aAPEQJ8000U", "userId": "007555677B20000A", "secureKey": "4ee15d7e1c343c8e", "alias": "117"}));
    assert_eq!(sim.resolved(id), started_body());
    assert_eq!(sim.host.store.get(keys::SESSION).map(String::as_str), Some("00048aAPEQJ8000U"));
    let keys_cookie: Value = serde_json::from_str(&sim.host.store[keys::KEYS]).unwrap();
    assert_eq!(keys_cookie, json!({"secureKey": "4ee15d7e1c343c8e", "alias": "117", "userId": "007555677B20000A"}));
    assert!(!sim.host.store.contains_key(keys::START_LOCK), "the start lock is released");
}

/// startChat refuses a second chat, malformed userData, another tab's fresh start lock; a refused start rejects with the answer.
#[test]
fn start_chat_refusals() {
    let mut sim = Sim::new();
    let bad = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo", "userData": "{not json"})));
    assert_eq!(sim.rejected_with(bad), "malformed JSON provided in userData property");
    sim.host.store.insert(keys::START_LOCK.into(), (T0 - 1000).to_string());
    let locked = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    assert_eq!(sim.reply(locked), Some(Outcome::Reject(ReplyValue::Json(json!({"statusCode": 1})))));
    sim.host.store.insert(keys::START_LOCK.into(), (T0 - 2500).to_string());
    let refused = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    let req = sim.next_request();
    let answer = json!({"statusCode": 2, "chatEnded": true, "chatId": "", "errors": [{"code": 161, "advice": "name"}]});
    sim.mark();
    sim.answer(&req, answer.clone());
    assert_eq!(sim.reply(refused), Some(Outcome::Reject(ReplyValue::Json(answer.clone()))));
    assert_eq!(sim.events(), vec!["error", "ajaxResponse"]);
    sim.started();
    let again = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    assert_eq!(sim.rejected_with(again), "There is already an active chat session");
}

/// Polls follow the shipped cadence: 250 ms ticker, pollRateMin first, ×1.2 up to pollRateMax; activity resets it.
#[test]
fn polling_cadence_backs_off_and_resets_on_activity() {
    let mut sim = Sim::new();
    sim.started();
    let start = sim.now;
    let mut times = Vec::new();
    let mut positions = Vec::new();
    for _ in 0..8 {
        sim.tick();
        let req = sim.next_request();
        assert!(req.url.ends_with("/00048aAPEQJ8000U/refresh"));
        times.push(sim.now - start);
        positions.push(field(&req, "transcriptPosition").unwrap());
        sim.answer(&req, refresh(json!([])));
    }
    // Interval after each poll: 600, 720, 864, 1037, 1244, 1493, 1792 ms, rounded up to the 250 ms ticker.
    assert_eq!(times, vec![250, 1000, 1750, 2750, 4000, 5250, 6750, 8750]);
    assert!(positions.iter().all(|p| p == "1"), "nothing new: position stays 1");
    assert_eq!(sim.host.store.get(keys::PING).map(String::as_str), Some((start + 8750).to_string().as_str()));
    for _ in 0..4 {
        sim.tick();
        let req = sim.next_request();
        sim.answer(&req, refresh(json!([])));
    }
    let before = sim.now;
    sim.tick();
    assert_eq!(sim.now - before, 3000, "capped at pollRateMax");
    let req = sim.next_request();
    sim.answer(&req, refresh(json!([])));
    sim.command(Command::SendTyping(json!({})));
    let typing = sim.next_request();
    sim.answer(&typing, refresh(json!([])));
    let before = sim.now;
    sim.tick();
    assert!(sim.now - before <= 750, "activity makes the next poll come quickly");
}

/// Transcript entries become participant and typing events, then one messageReceived with normalised messages.
#[test]
fn transcript_entries_become_events() {
    let mut sim = Sim::new();
    sim.started();
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    sim.answer(&req, refresh(json!([
        msg(1, "ParticipantJoined", "Client", "Jo", 1, None),
        msg(2, "ParticipantJoined", "Agent", "Anna", 2, None),
        msg(3, "TypingStarted", "Agent", "Anna", 2, None),
        msg(4, "Message", "Agent", "Anna", 2, Some("Hello")),
    ])));
    assert_eq!(sim.trace(), vec![
        "event:ajaxResponse", "event:clientConnected", "event:agentConnected", "event:agentTypingStarted",
        "data:agentTyping=true", "event:agentTypingStopped", "data:agentTyping=false", "event:messageReceived",
    ]);
    let connected = sim.event("agentConnected");
    assert_eq!(connected["numAgentsConnected"], 1);
    assert_eq!(connected["agents"]["2"]["name"], "Anna");
    assert_eq!(connected["agents"]["2"]["connected"], true);
    assert_eq!(connected["message"]["from"], json!({"id": 2, "type": "Agent", "name": "Anna"}));
    let received = sim.event("messageReceived");
    assert_eq!(received["messages"].as_array().unwrap().len(), 4);
    assert_eq!(received["messages"][3], json!({"type": "Message", "index": 4, "timestamp": 1432845092000u64, "text": "Hello",
        "from": {"id": 2, "type": "Agent", "name": "Anna"}}));
    assert_eq!(received["messages"][2]["isTyping"], true);
    assert_eq!(received["originalMessages"][3], msg(4, "Message", "Agent", "Anna", 2, Some("Hello")));
    assert_eq!(received["restoring"], false);
    assert_eq!(received["sessionData"]["sessionID"], "00048aAPEQJ8000U");
    sim.tick();
    let next = sim.next_request();
    assert_eq!(field(&next, "transcriptPosition").as_deref(), Some("5"), "the next poll asks from index 5");
    sim.mark();
    sim.answer(&next, refresh(json!([msg(4, "Message", "Agent", "Anna", 2, Some("Hello"))])));
    assert_eq!(sim.events(), vec!["ajaxResponse"], "an index already seen is not published again");
    let agents = sim.command(Command::GetAgents);
    assert_eq!(sim.resolved(agents)["agents"]["2"]["connected"], true);
    let stats = sim.command(Command::GetStats);
    assert_eq!(sim.resolved(stats)["duration"], 3000);
}

/// Prefilters hide matching messages (the standard co-browse token too); preprocessors edit what is published.
#[test]
fn filters_and_preprocessors() {
    let host = MemoryHost { append_to_text: Some(" (edited)".into()), ..Default::default() };
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), host);
    let add = sim.command(Command::AddPrefilter(Some(vec![RegexSpec::new("^secret", "i"), RegexSpec::new("^secret", "i")])));
    assert_eq!(sim.reply(add), Some(Outcome::Resolve(ReplyValue::RegExps(vec![RegexSpec::new("^secret", "i")]))));
    let bad = sim.command(Command::AddPrefilter(Some(vec![RegexSpec::new("(?<=a)b", "")])));
    assert_eq!(sim.rejected_with(bad), "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions");
    assert!(sim.log.iter().any(|a| matches!(a, Action::Log { message, .. } if message.contains("look-behind"))), "the console says why");
    sim.started();
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    sim.answer(&req, refresh(json!([
        msg(2, "Message", "Agent", "A", 2, Some("SECRET token")),
        msg(3, "Message", "Client", "Jo", 1, Some("{start:123456789}")),
        msg(4, "Message", "Agent", "A", 2, Some("visible")),
    ])));
    let received = sim.event("messageReceived");
    assert_eq!(received["messages"].as_array().unwrap().len(), 1);
    assert_eq!(received["messages"][0]["text"], "visible (edited)");
    assert_eq!(received["originalMessages"][0]["text"], "visible (edited)");
    assert_eq!(sim.events().iter().filter(|e| **e == "agentTypingStopped").count(), 2, "filtered agent messages still stop typing");
    let filters: Value = serde_json::from_str(&sim.host.store[keys::FILTERS]).unwrap();
    assert_eq!(filters, json!({"custom": [{"source": "^secret", "flags": "i"}]}));
}

/// More than pollExceptionLimit offline answers publish chatServerWentOffline; the next good answer, BackOnline and reconnected.
#[test]
fn chat_server_offline_and_back() {
    let mut sim = Sim::new();
    sim.started();
    sim.mark();
    for _ in 0..6 {
        sim.tick();
        let req = sim.next_request();
        sim.answer(&req, json!({"statusCode": 1, "chatEnded": false, "chatId": "00048aAPEQJ8000U", "messages": []}));
    }
    assert_eq!(sim.events().iter().filter(|e| **e == "chatServerWentOffline").count(), 1);
    let before_sixth = sim.events().iter().position(|e| *e == "chatServerWentOffline").unwrap();
    assert_eq!(sim.events()[..before_sixth].iter().filter(|e| **e == "ajaxResponse").count(), 6, "published on the 6th, exceeding 5");
    sim.mark();
    sim.tick();
    let req = sim.next_request();
    sim.answer(&req, refresh(json!([])));
    assert_eq!(sim.events(), vec!["ajaxResponse", "chatServerBackOnline", "reconnected"]);
}

/// A lost connection publishes disconnected once; a message typed meanwhile is sent after reconnecting, once, and resolves then.
#[test]
fn disconnect_queue_and_reconnect() {
    let mut sim = Sim::new();
    sim.started();
    sim.mark();
    sim.tick();
    let p1 = sim.next_request();
    sim.fail(&p1, NetError::Network("offline".into()));
    sim.tick();
    let p2 = sim.next_request();
    sim.fail(&p2, NetError::Timeout);
    assert_eq!(sim.events(), vec!["disconnected"]);
    let send = sim.command(Command::SendMessage(text("typed offline")));
    assert!(sim.http.is_empty(), "nothing is sent while disconnected");
    assert_eq!(sim.reply(send), None, "not resolved yet");
    sim.tick();
    let p3 = sim.next_request();
    sim.mark();
    sim.answer(&p3, refresh(json!([])));
    assert_eq!(sim.events(), vec!["reconnected", "ajaxResponse"]);
    let s = sim.next_request();
    assert!(s.url.ends_with("/send"));
    assert_eq!(field(&s, "message").as_deref(), Some("typed offline"));
    assert_eq!(field(&s, "messageType").as_deref(), Some("text"));
    sim.answer(&s, refresh(json!([])));
    assert_eq!(sim.resolved(send)["statusCode"], 0);
}

/// A send that timed out but reached the server is not sent again: the transcript shows it.
#[test]
fn a_timed_out_send_that_arrived_is_not_resent() {
    let mut sim = Sim::new();
    sim.started();
    let send = sim.command(Command::SendMessage(text("maybe sent")));
    let s = sim.next_request();
    sim.fail(&s, NetError::Timeout);
    assert_eq!(sim.reply(send), None);
    sim.tick();
    let p = sim.next_request();
    sim.answer(&p, refresh(json!([msg(2, "Message", "Client", "Jo", 1, Some("maybe sent"))])));
    assert_eq!(sim.resolved(send), json!({"statusCode": 0}));
    assert!(sim.http.iter().all(|r| !r.url.ends_with("/send")), "no second send");
}

/// Sends go out one at a time, in the order typed.
#[test]
fn sends_are_ordered() {
    let mut sim = Sim::new();
    sim.started();
    let a = sim.command(Command::SendMessage(text("a")));
    let b = sim.command(Command::SendMessage(text("b")));
    let first = sim.next_request();
    assert!(sim.http.is_empty(), "b waits for a");
    sim.answer(&first, refresh(json!([])));
    let second = sim.next_request();
    assert_eq!(field(&second, "message").as_deref(), Some("b"));
    sim.answer_status(&second, 400, json!({"errors": [{"code": 204, "advice": "too long"}]}));
    assert!(sim.reply(a).is_some());
    assert!(matches!(sim.reply(b), Some(Outcome::Reject(ReplyValue::Json(v))) if v["status"] == 400));
}

/// sendMessage validates text and maxMessageLength (in code points) with the shipped texts.
#[test]
fn send_message_validation() {
    let mut sim = Sim::with_config(json!({"dataURL": DATA_URL, "maxMessageLength": 3}));
    sim.started();
    for (data, expected) in [
        (json!({}), "No message text provided"),
        (json!({"message": "   "}), "No message text provided"),
        (json!({"message": 5}), "No message text provided"),
        (json!({"message": "abcd"}), "Message length exceeds configured threshold of (3) characters"),
    ] {
        let id = sim.command(Command::SendMessage(data));
        assert_eq!(sim.rejected_with(id), expected);
    }
    sim.command(Command::SendMessage(json!({"message": "😀😀😀", "parentMessageID": "m7"})));
    let s = sim.next_request();
    assert_eq!(field(&s, "eventAttributes").as_deref(), Some(r#"{"general-properties":{"related-event-id":"m7"}}"#));
}

/// endChat disconnects, publishes the three disconnected events and ended, clears cookies, and resolves.
#[test]
fn end_chat() {
    let mut sim = Sim::new();
    sim.started();
    let id = sim.command(Command::EndChat);
    let req = sim.next_request();
    assert!(req.url.ends_with("/disconnect"));
    assert_eq!(field(&req, "secureKey").as_deref(), Some("4ee15d7e1c343c8e"));
    let again = sim.command(Command::StartChat { data: json!({}), page: Default::default() });
    assert_eq!(sim.rejected_with(again), "There is already an active chat session", "not while ending");
    sim.mark();
    sim.answer(&req, json!({"statusCode": 0, "chatEnded": true, "chatId": "00048aAPEQJ8000U"}));
    assert_eq!(sim.trace(), vec![
        "event:ajaxResponse", "event:supervisorDisconnected", "event:agentDisconnected", "event:clientDisconnected",
        "data:sessionActive=false", "event:ended", "bus:App.deregisterAutoLoad", &format!("resolve:{id}"),
    ]);
    assert_eq!(sim.event("agentDisconnected"), json!({"numAgentsConnected": 0}));
    assert!(sim.host.store.is_empty(), "cookies cleared: {:?}", sim.host.store);
    assert!(sim.s.poll_timeout().is_none(), "no more polling");
}

/// endChat with the server unreachable still ends the chat here, and rejects with the error.
#[test]
fn end_chat_offline() {
    let mut sim = Sim::new();
    sim.started();
    let id = sim.command(Command::EndChat);
    let req = sim.next_request();
    sim.mark();
    sim.fail(&req, NetError::Network("down".into()));
    assert!(sim.events().contains(&"ended"));
    assert!(matches!(sim.reply(id), Some(Outcome::Reject(ReplyValue::Json(v))) if v["status"] == 0));
}

/// The server ending the chat (chatEnded in a poll) ends it here: pollingStopped, ended, cookies gone.
#[test]
fn server_ends_the_chat() {
    let mut sim = Sim::new();
    sim.started();
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    let mut answer = refresh(json!([msg(2, "ParticipantLeft", "Agent", "A", 2, None)]));
    answer["chatEnded"] = json!(true);
    sim.answer(&req, answer);
    let events = sim.events();
    let received = events.iter().position(|e| *e == "messageReceived").unwrap();
    let ended = events.iter().position(|e| *e == "ended").unwrap();
    assert!(received < ended, "messages first, then ended: {events:?}");
    assert!(events.contains(&"pollingStopped"));
    assert!(!sim.host.store.contains_key(keys::SESSION));
}

/// Another tab ended the chat (session cookie gone): the next poll ends it here without a request.
#[test]
fn another_tab_ended_the_chat() {
    let mut sim = Sim::new();
    sim.started();
    sim.host.store.remove(keys::SESSION);
    sim.mark();
    sim.tick();
    assert!(sim.http.is_empty());
    assert!(sim.events().contains(&"ended"));
}

fn saved_session(ping_age: Option<u64>) -> MemoryHost {
    let mut host = MemoryHost::default();
    host.store.insert(keys::SESSION.into(), "00048aAPEQJ8000U".into());
    host.store.insert(keys::KEYS.into(), r#"{"secureKey":"4ee15d7e1c343c8e","alias":"117","userId":"007555677B20000A"}"#.into());
    host.store.insert(keys::FILTERS.into(), r#"{"custom":[{"source":"hide me","flags":""}]}"#.into());
    if let Some(age) = ping_age {
        host.store.insert(keys::PING.into(), (T0 - age).to_string());
    }
    host
}

/// Valid cookies restore the chat: refresh from position 1, restored, the transcript with restoring: true, polling, saved prefilters.
#[test]
fn restore_from_valid_cookies() {
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), saved_session(Some(5_000)));
    let verify = sim.command(Command::VerifySession);
    assert_eq!(sim.reply(verify), None, "verifySession waits for the restore");
    let req = sim.next_request();
    assert!(req.url.ends_with("/00048aAPEQJ8000U/refresh"));
    assert_eq!(field(&req, "transcriptPosition").as_deref(), Some("1"));
    sim.mark();
    sim.answer(&req, refresh(json!([
        msg(1, "ParticipantJoined", "Client", "Jo", 1, None),
        msg(2, "Message", "Agent", "A", 2, Some("hide me please")),
        msg(3, "Message", "Agent", "A", 2, Some("Welcome back")),
    ])));
    let events = sim.events();
    assert_eq!(events[..2], ["ajaxResponse", "restored"]);
    assert!(events.contains(&"pollingStarted"));
    let received = sim.event("messageReceived");
    assert_eq!(received["restoring"], true);
    assert_eq!(received["messages"].as_array().unwrap().len(), 2, "the saved prefilter still hides");
    assert_eq!(received["messages"][1]["restoring"], true);
    assert_eq!(sim.resolved(verify), json!({"sessionActive": true}));
    let again = sim.command(Command::Restore { commander: "WebChatService".into() });
    assert_eq!(sim.rejected_with(again), "Chat session is already active, ignoring restore command.");
}

/// Cookies whose last poll is older than restoreTimeout are abandoned: restoreTimeout, cookies removed, no request.
#[test]
fn restore_from_expired_cookies() {
    let sim = Sim::with_host(json!({"dataURL": DATA_URL}), saved_session(Some(60_000)));
    assert!(sim.http.is_empty());
    assert!(sim.events().contains(&"restoreTimeout"));
    assert!(!sim.host.store.contains_key(keys::SESSION));
}

/// Garbage cookies are removed and restore says there is nothing to restore.
#[test]
fn restore_from_garbage_cookies() {
    let mut host = MemoryHost::default();
    host.store.insert(keys::SESSION.into(), "abc".into());
    host.store.insert(keys::KEYS.into(), "{not json".into());
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), host);
    assert!(sim.http.is_empty());
    assert!(!sim.host.store.contains_key(keys::SESSION));
    let id = sim.command(Command::Restore { commander: "WebChatService".into() });
    assert_eq!(sim.rejected_with(id), "No chat session found to restore.");
}

/// A chat that ended while away restores as restoreTimeout; an unreachable server as restoreFailed (cookies kept).
#[test]
fn restore_outcomes_when_the_chat_is_gone_or_unreachable() {
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), saved_session(None));
    let req = sim.next_request();
    let mut answer = refresh(json!([]));
    answer["chatEnded"] = json!(true);
    sim.mark();
    sim.answer(&req, answer);
    assert!(sim.events().contains(&"restoreTimeout"));
    assert!(!sim.host.store.contains_key(keys::SESSION));

    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), saved_session(None));
    let req = sim.next_request();
    sim.mark();
    sim.fail(&req, NetError::Timeout);
    assert!(sim.events().contains(&"restoreFailed"));
    assert!(sim.host.store.contains_key(keys::SESSION), "a later page load may still restore");
}

/// A restore answer with statusCode 1 publishes restoredOffline after restored.
#[test]
fn restored_offline() {
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), saved_session(None));
    let req = sim.next_request();
    let mut answer = refresh(json!([]));
    answer["statusCode"] = json!(1);
    sim.mark();
    sim.answer(&req, answer);
    let events = sim.events();
    assert!(events.iter().position(|e| *e == "restored") < events.iter().position(|e| *e == "restoredOffline"));
}

/// sendTyping opens a 2 s window (startTyping with the preview text, clientTypingStarted), then stopTyping.
#[test]
fn typing_window() {
    let host = MemoryHost { preview: Some("draft".into()), ..Default::default() };
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), host);
    sim.started();
    sim.mark();
    sim.command(Command::SendTyping(json!({})));
    let start = sim.next_request();
    assert!(start.url.ends_with("/startTyping"));
    assert_eq!(field(&start, "message").as_deref(), Some("draft"));
    sim.answer(&start, refresh(json!([])));
    sim.now += 1000;
    let last_keystroke = sim.now;
    sim.command(Command::SendTyping(json!({})));
    assert!(sim.http.is_empty(), "a keystroke inside the window sends nothing");
    let mut polls = 0;
    loop {
        sim.tick();
        if let Some(r) = sim.http.first().cloned() {
            sim.http.remove(0);
            if r.url.ends_with("/stopTyping") {
                assert_eq!(sim.now - last_keystroke, 2000, "stopTyping 2 s after the last keystroke");
                assert!(sim.events().contains(&"clientTypingStopped"));
                break;
            }
            polls += 1;
            sim.answer(&r, refresh(json!([])));
        }
        assert!(polls < 20, "stopTyping never came");
    }
    assert_eq!(sim.events().iter().filter(|e| **e == "clientTypingStarted").count(), 1);
}

/// updateUserData while chatting posts updateData with bracket keys and publishes the merged userData key.
#[test]
fn update_user_data_while_active() {
    let mut sim = Sim::with_config(json!({"dataURL": DATA_URL, "userData": {"a": "1"}}));
    sim.started();
    let id = sim.command(Command::UpdateUserData(json!({"b": {"c": "2"}})));
    let req = sim.next_request();
    assert!(req.url.ends_with("/updateData"));
    assert_eq!(field(&req, "userData[b][c]").as_deref(), Some("2"));
    assert!(sim.log.iter().any(|a| matches!(a, Action::Data { key: "userData", value } if *value == json!({"a": "1", "b": {"c": "2"}}))));
    sim.answer(&req, refresh(json!([])));
    assert_eq!(sim.resolved(id)["statusCode"], 0);
}

/// HTTP errors map as the shipped plugin does: InvalidService for 5xx without errors or code 306; refresh's 204 errors are dropped.
#[test]
fn error_mapping() {
    let mut sim = Sim::new();
    sim.started();
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    sim.answer_status(&req, 502, json!(null));
    assert_eq!(sim.event("error")["errorReason"], "InvalidService");
    assert_eq!(sim.event("error")["status"], 502);
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    sim.answer_status(&req, 400, json!({"errors": [{"code": 204, "advice": "x"}]}));
    assert!(sim.events().is_empty(), "a refresh's 204 error is not reported");
    sim.tick();
    let req = sim.next_request();
    sim.mark();
    sim.answer_status(&req, 400, json!({"errors": [{"code": 306}]}));
    assert_eq!(sim.event("error")["errorReason"], "InvalidService");
}

/// apikey always, Authorization only with enableCustomHeader; xhrFields.withCredentials and ajaxTimeout carry over.
#[test]
fn request_headers_and_options() {
    let host = MemoryHost { authorization: Some("Bearer T".into()), ..Default::default() };
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL, "enableCustomHeader": true, "ajaxTimeout": 5000, "xhrFields": {"withCredentials": true}}), host.clone());
    sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    let req = sim.next_request();
    assert!(req.headers.contains(&("Authorization".into(), "Bearer T".into())));
    assert!(req.with_credentials);
    assert_eq!(req.timeout_ms, 5000);
    let mut sim = Sim::with_host(json!({"dataURL": DATA_URL}), host);
    sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    let req = sim.next_request();
    assert!(!req.headers.iter().any(|(k, _)| k == "Authorization" || k == "apikey"));
}

/// Without usable configuration every command still settles, with "Invalid configuration", and the console says why.
#[test]
fn unusable_configuration() {
    let mut sim = Sim::with_config(json!({"apikey": "only"}));
    assert!(sim.log.iter().any(|a| matches!(a, Action::Log { message, .. } if message.contains("dataURL"))));
    let id = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    assert_eq!(sim.rejected_with(id), "Invalid configuration");
    let mut empty = Sim::with_config(json!({}));
    let id = empty.command(Command::GetAgents);
    assert_eq!(empty.rejected_with(id), "Invalid configuration");
    let mut other = Sim::with_config(json!({"transport": {"type": "purecloud-v3"}}));
    let id = other.command(Sim::start_chat_cmd(json!({})));
    assert_eq!(other.rejected_with(id), "Invalid transport configuration");
}

/// With sleepEnabled, sleep slows polling to pollRateSleep; wake sends the cancel-idle-timer notice.
#[test]
fn sleep_and_wake() {
    let mut sim = Sim::with_config(json!({"dataURL": DATA_URL, "sleepEnabled": true}));
    sim.started();
    sim.mark();
    sim.command(Command::Sleep);
    assert_eq!(sim.events(), vec!["sleeping"]);
    sim.tick();
    let p = sim.next_request();
    sim.answer(&p, refresh(json!([])));
    let before = sim.now;
    sim.tick();
    assert!(sim.now - before >= 30_000);
    let p = sim.next_request();
    sim.answer(&p, refresh(json!([])));
    sim.mark();
    sim.command(Command::Wake);
    assert_eq!(sim.events(), vec!["waking"]);
    let notice = sim.next_request();
    assert!(notice.url.ends_with("/customNotice"));
    assert_eq!(field(&notice, "eventAttributes").as_deref(), Some(r#"{"purpose":"cancel-idle-timer"}"#));
}

/// Random command and network sequences: every command settles exactly once and nothing panics.
#[test]
fn every_command_settles_under_random_sequences() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for round in 0..200 {
        let mut sim = Sim::new();
        let mut ids = Vec::new();
        for _ in 0..40 {
            match rand(10) {
                0..=4 => {
                    let cmd = match rand(14) {
                        0 => Sim::start_chat_cmd(json!({"nickname": "R"})),
                        1 => Command::EndChat,
                        2 => Command::SendMessage(text("m")),
                        3 => Command::SendTyping(json!({})),
                        4 => Command::Restore { commander: "WebChatService".into() },
                        5 => Command::VerifySession,
                        6 => Command::Poll { commander: "WebChatService".into() },
                        7 => Command::StopPoll,
                        8 => Command::StartPoll,
                        9 => Command::UpdateUserData(json!({"k": "v"})),
                        10 => Command::SendCustomNotice(text("n")),
                        11 => Command::SendFilteredMessage { data: text("f"), regex: Some(RegexSpec::new("f", "")) },
                        12 => Command::Wake,
                        _ => Command::GetTranscript,
                    };
                    ids.push(sim.command(cmd));
                }
                5..=7 if !sim.http.is_empty() => {
                    let i = rand(sim.http.len() as u64) as usize;
                    let req = sim.http.remove(i);
                    match rand(5) {
                        0 => sim.fail(&req, NetError::Timeout),
                        1 => sim.answer_status(&req, 500, json!(null)),
                        2 => {
                            let mut a = started_body();
                            a["chatEnded"] = json!(rand(2) == 0);
                            sim.answer(&req, a)
                        }
                        _ => sim.answer(&req, refresh(json!([msg(rand(6) + 1, "Message", "Agent", "A", 2, Some("x"))]))),
                    }
                }
                _ => {
                    if sim.s.poll_timeout().is_some() {
                        sim.tick();
                    }
                }
            }
        }
        // Let the network answer everything, then every command must have settled.
        let mut guard = 0;
        while let Some(req) = sim.http.first().cloned() {
            sim.http.remove(0);
            let mut a = started_body();
            a["chatEnded"] = json!(true);
            sim.answer(&req, a);
            guard += 1;
            assert!(guard < 1000, "round {round}: requests never stop");
        }
        for id in ids {
            assert!(sim.reply(id).is_some(), "round {round}: command {id} never settled");
        }
    }
}

/// After a chat ended, commands answer as when idle, the last transcript stays readable, and a new chat can start.
#[test]
fn commands_after_the_chat_ended() {
    let mut sim = Sim::new();
    sim.started();
    sim.tick();
    let poll = sim.next_request();
    sim.answer(&poll, refresh(json!([msg(2, "Message", "Agent", "A", 2, Some("last words"))])));
    let end = sim.command(Command::EndChat);
    let req = sim.next_request();
    sim.answer(&req, json!({"statusCode": 0, "chatEnded": true, "chatId": "00048aAPEQJ8000U"}));
    assert!(sim.reply(end).is_some());
    for (cmd, expected) in [
        (Command::SendMessage(text("late")), "There is no active chat session"),
        (Command::EndChat, "There is no active chat session"),
        (Command::SendTyping(json!({})), "There is no active chat session"),
        (Command::StopPoll, "No active chat session"),
        (Command::Restore { commander: "WebChatService".into() }, "No chat session found to restore."),
        (Command::Restore { commander: "WebChat".into() }, "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode."),
    ] {
        let label = format!("{cmd:?}");
        let id = sim.command(cmd);
        assert_eq!(sim.rejected_with(id), expected, "{label}");
    }
    let verify = sim.command(Command::VerifySession);
    assert_eq!(sim.resolved(verify), json!({"sessionActive": false}));
    let transcript = sim.command(Command::GetTranscript);
    assert_eq!(sim.resolved(transcript)["messages"][0]["text"], "last words", "the ended chat's transcript stays readable");
    assert!(sim.s.poll_timeout().is_none(), "nothing runs after the end");
    let again = sim.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
    let req = sim.next_request();
    sim.answer(&req, started_body());
    assert_eq!(sim.resolved(again)["statusCode"], 0, "a new chat starts");
    let transcript = sim.command(Command::GetTranscript);
    assert_eq!(sim.resolved(transcript)["messages"], json!([]), "a new chat starts a new transcript");
}
