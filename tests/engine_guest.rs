//! Engine scenarios for Genesys Cloud guest chat (`purecloud-v2-sockets`) with a simulated
//! clock and socket: start, frames to events, typing timeout, reconnect with backoff and
//! catch-up, queueing while down, restore with and without pagination, fetchHistory to the
//! end, and every command's resolution or rejection.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::guest_sim::*;
use webchatservice::engine::guest::keys;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, Body, Outcome, ReplyValue, SocketEvent};
use webchatservice::engine::Command;

fn json_body(req: &webchatservice::engine::HttpRequest) -> Value {
    match &req.body {
        Body::Json(s) => serde_json::from_str(s).expect("JSON body"),
        other => panic!("not JSON: {other:?}"),
    }
}

fn auth(req: &webchatservice::engine::HttpRequest) -> Option<String> {
    req.headers.iter().find(|(k, _)| k == "Authorization").map(|(_, v)| v.clone())
}

/// A configuration missing required options says what is missing and every command rejects.
#[test]
fn missing_options_are_named_and_commands_reject() {
    let mut bad = GuestSim::with_host(json!({"deploymentKey": ""}), MemoryHost::default());
    let logged = bad.log.iter().any(|a| matches!(a, Action::Log { message, .. } if message.contains("deploymentKey")));
    assert!(logged, "the console names the missing option");
    let id = bad.command(GuestSim::start_cmd(json!({})));
    assert_eq!(bad.rejected_with(id), "Invalid transport configuration");
    let id = bad.command(Command::GetAgents);
    assert_eq!(bad.rejected_with(id), "Invalid transport configuration");
}

/// startChat creates the conversation (unauthenticated JSON), opens the stream, and on open publishes the shipped sequence.
#[test]
fn start_chat() {
    let mut sim = GuestSim::new(json!({}));
    let id = sim.command(GuestSim::start_cmd(json!({"form": {"firstname": "Jane", "lastname": "Doe", "email": "j@x.io", "subject": "Help"},
        "userData": {"order": 42}})));
    let create = sim.take("POST", "/api/v2/webchat/guest/conversations");
    assert_eq!(create.url, format!("{API}/api/v2/webchat/guest/conversations"));
    assert_eq!(auth(&create), None, "creating is unauthenticated");
    let body = json_body(&create);
    assert_eq!(body["deploymentId"], "dep");
    assert_eq!(body["organizationId"], "org");
    assert_eq!(body["routingTarget"], json!({"targetType": "QUEUE", "targetAddress": "Support"}));
    assert_eq!(body["memberInfo"]["displayName"], "Jane Doe");
    assert_eq!(body["memberInfo"]["role"], "CUSTOMER");
    let custom = &body["memberInfo"]["customFields"];
    assert_eq!((custom["firstName"].clone(), custom["email"].clone(), custom["order"].clone()), (json!("Jane"), json!("j@x.io"), json!("42")));
    assert_eq!(custom["_genesys_url"], "https://shop.test/");
    sim.answer(&create, 200, json!({"id": CONV, "jwt": "JWT1", "eventStreamUri": STREAM, "member": {"id": ME}}));
    assert_eq!(sim.sockets, vec![(1, STREAM.to_owned())]);
    assert_eq!(sim.reply(id), None, "resolves only once the stream is open");
    sim.mark();
    sim.socket(SocketEvent::Opened);
    assert_eq!(sim.events(), vec!["started", "messageReceived", "clientConnected"]);
    assert_eq!(sim.event("started"), json!({"data": {"jwt": "JWT1", "conversationId": CONV, "memberId": ME, "WebSocketUrl": STREAM}}));
    assert_eq!(sim.reply(id), Some(Outcome::Resolve(ReplyValue::Undefined)));
    assert_eq!(sim.received(), vec![("ParticipantJoined".to_owned(), "Client".to_owned())]);
    let me = sim.take("GET", &format!("/members/{ME}"));
    assert_eq!(auth(&me).as_deref(), Some("Bearer JWT1"));
    for (k, v) in [(keys::JWT, "JWT1"), (keys::CONVERSATION, CONV), (keys::MEMBER, ME), (keys::STREAM, STREAM)] {
        assert_eq!(sim.host.store.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(sim.log.iter().any(|a| matches!(a, Action::BusCommand { command: "App.registerAutoLoad", .. })));
}

/// displayName: nickname, else "first last", else first, else last, else Customer.
#[test]
fn display_name_rules() {
    for (data, expected) in [(json!({"nickname": "JJ", "firstname": "J"}), "JJ"), (json!({"firstname": "Al"}), "Al"),
        (json!({"lastname": "Bo"}), "Bo"), (json!({}), "Customer")] {
        let mut sim = GuestSim::new(json!({}));
        sim.command(GuestSim::start_cmd(data));
        let create = sim.take("POST", "/conversations");
        assert_eq!(json_body(&create)["memberInfo"]["displayName"], expected);
    }
}

/// A failed create publishes error {errors:[{code, response}]} and rejects; a stream that never opens rejects too.
#[test]
fn start_failures() {
    let mut sim = GuestSim::new(json!({}));
    let id = sim.command(GuestSim::start_cmd(json!({})));
    let create = sim.take("POST", "/conversations");
    sim.mark();
    sim.answer(&create, 400, json!({"status": 400, "code": "bad.request"}));
    assert_eq!(sim.event("error")["errors"][0]["code"], "purecloud-v2-sockets-400");
    assert!(matches!(sim.reply(id), Some(Outcome::Reject(_))));
    let id = sim.command(GuestSim::start_cmd(json!({})));
    let create = sim.take("POST", "/conversations");
    sim.answer(&create, 200, json!({"id": CONV, "jwt": "J", "eventStreamUri": STREAM, "member": {"id": ME}}));
    sim.socket(SocketEvent::Closed);
    assert_eq!(sim.rejected_with(id), "websocket failed to open");
}

/// An agent joining is looked up (role), then agentConnected; its messages publish at once with epoch-ms index and timestamp.
#[test]
fn agent_join_and_messages() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.mark();
    sim.frame(message_frame("m1", AGENT, "", "member-join", "2019-06-18T16:59:09.689Z"));
    assert!(sim.events().is_empty(), "waits for the member look-up");
    let look = sim.take("GET", &format!("/members/{AGENT}"));
    sim.answer(&look, 200, member(AGENT, "AGENT", "Anna", "CONNECTED"));
    assert_eq!(sim.events(), vec!["messageReceived", "agentConnected", "messageReceived"]);
    assert_eq!(sim.event("agentConnected")["message"]["displayName"], "Anna");
    assert_eq!(sim.received(), vec![("ParticipantJoined".into(), "Agent".into()), ("ParticipantJoined".into(), "-".into())]);
    sim.mark();
    sim.frame(message_frame("m2", AGENT, "Hi there", "standard", "2019-06-18T16:59:22.277Z"));
    let m = sim.event("messageReceived");
    assert_eq!(m["messages"][0], json!({"type": "Message", "text": "Hi there", "index": 1_560_877_162_277i64, "timestamp": 1_560_877_162_277i64,
        "id": "m2", "from": {"id": AGENT, "type": "Agent", "name": "Anna"}, "avatar": "https://img.test/agent-1.png"}));
    assert_eq!(m["originalMessages"][0]["body"], "Hi there");
    assert_eq!(m["restoring"], false);
    assert_eq!(sim.host.store.get(keys::LAST_MESSAGE).map(String::as_str), Some("m2"));
    sim.mark();
    sim.frame(message_frame("m2", AGENT, "Hi there", "standard", "2019-06-18T16:59:22.277Z"));
    assert!(sim.events().is_empty(), "a message id seen before is not published again");
}

/// A message from an unknown sender waits for its look-up; later messages keep their order.
#[test]
fn order_is_kept_while_a_sender_is_looked_up() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.mark();
    sim.frame(message_frame("m1", "bot-9", "from the bot", "standard", "2019-06-18T17:00:00Z"));
    sim.frame(message_frame("m2", ME, "from me", "standard", "2019-06-18T17:00:01Z"));
    assert!(sim.received().is_empty());
    let look = sim.take("GET", "/members/bot-9");
    sim.answer(&look, 200, member("bot-9", "WORKFLOW", "Helper", "CONNECTED"));
    assert_eq!(sim.received(), vec![("from the bot".into(), "Bot".into()), ("from me".into(), "Client".into())]);
}

/// typing-indicator from an agent: agentTypingStarted, then agentTypingTimeout after 3 s, or agentTypingStopped when the agent's message comes.
#[test]
fn agent_typing() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.frame(message_frame("j", AGENT, "", "member-join", "2019-06-18T17:00:00Z"));
    let look = sim.take("GET", &format!("/members/{AGENT}"));
    sim.answer(&look, 200, member(AGENT, "AGENT", "Anna", "CONNECTED"));
    let typing = json!({"eventBody": {"sender": {"id": AGENT}}, "metadata": {"CorrelationId": "x", "type": "typing-indicator"}});
    sim.mark();
    sim.frame(typing.clone());
    assert_eq!(sim.event("agentTypingStarted"), json!({"from": {"name": "Anna", "id": AGENT, "avatar": "https://img.test/agent-1.png"}}));
    let started = sim.now;
    sim.tick();
    assert_eq!(sim.now - started, 3000);
    assert_eq!(sim.events(), vec!["agentTypingStarted", "agentTypingTimeout"]);
    sim.mark();
    sim.frame(typing);
    sim.frame(message_frame("m", AGENT, "done", "standard", "2019-06-18T17:00:05Z"));
    assert_eq!(sim.events(), vec!["agentTypingStarted", "agentTypingStopped", "messageReceived"]);
    sim.advance(5000);
    assert!(!sim.events().contains(&"agentTypingTimeout"));
}

/// No frame within the heartbeat interval: disconnected, the stream is replaced after a jittered delay, then reconnected and caught up once.
#[test]
fn heartbeat_watchdog_reconnect_and_catch_up() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.frame(message_frame("m1", ME, "before", "standard", "2019-06-18T17:00:00Z"));
    sim.frame(json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}));
    let beat = sim.now;
    sim.mark();
    sim.tick();
    assert_eq!(sim.now - beat, 14_000, "14 s without a frame");
    assert_eq!(sim.events(), vec!["disconnected"]);
    assert!(sim.sockets.is_empty(), "the silent socket is closed");
    let lost = sim.now;
    sim.tick();
    let delay = sim.now - lost;
    assert!((250..=500).contains(&delay), "first retry after {delay} ms");
    assert_eq!(sim.sockets.len(), 1);
    assert_eq!(sim.sockets[0].1, STREAM);
    sim.socket(SocketEvent::Opened);
    assert!(sim.events().contains(&"reconnected"));
    let members = sim.take("GET", "/members");
    sim.answer(&members, 200, json!({"entities": [member(ME, "CUSTOMER", "Jane Doe", "CONNECTED"), member(AGENT, "AGENT", "Anna", "CONNECTED")]}));
    let catch_up = sim.take("GET", "/messages?after=m1&sortOrder=ascending");
    sim.mark();
    sim.answer(&catch_up, 200, json!({"entities": [entity("m1", ME, "before", "2019-06-18T17:00:00Z"), entity("m2", AGENT, "missed", "2019-06-18T17:00:10Z")]}));
    assert_eq!(sim.received(), vec![("missed".to_owned(), "Agent".to_owned())], "only what was missed, once");
    let me = sim.take("GET", &format!("/members/{ME}"));
    sim.answer(&me, 200, member(ME, "CUSTOMER", "Jane Doe", "CONNECTED"));
}

/// Reconnect delays grow while the stream keeps failing.
#[test]
fn reconnect_backs_off() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    let mut delays = Vec::new();
    sim.socket(SocketEvent::Closed);
    for _ in 0..6 {
        let before = sim.now;
        sim.tick();
        delays.push(sim.now - before);
        sim.socket(SocketEvent::Closed);
    }
    assert!(delays.windows(2).filter(|w| w[1] > w[0]).count() >= 4, "{delays:?}");
    assert!(delays[5] >= 8000, "{delays:?}");
}

/// A message typed while the stream is down waits, is sent after reconnecting, and resolves with the server's answer.
#[test]
fn sends_wait_for_the_stream() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.socket(SocketEvent::Closed);
    let id = sim.command(Command::SendMessage(json!({"message": "while down"})));
    assert!(sim.http.iter().all(|r| !r.url.ends_with("/messages")), "not sent while down");
    sim.tick();
    sim.socket(SocketEvent::Opened);
    let send = sim.take("POST", &format!("/members/{ME}/messages"));
    assert_eq!(json_body(&send), json!({"body": "while down"}));
    assert_eq!(auth(&send).as_deref(), Some("Bearer JWT1"));
    sim.answer(&send, 200, entity("s1", ME, "while down", "2019-06-18T17:00:00Z"));
    assert_eq!(sim.reply(id), Some(Outcome::Resolve(ReplyValue::Json(entity("s1", ME, "while down", "2019-06-18T17:00:00Z")))));
}

/// sendMessage validates: inactive, empty, over 4000 characters.
#[test]
fn send_validation() {
    let mut sim = GuestSim::new(json!({}));
    let id = sim.command(Command::SendMessage(json!({"message": "x"})));
    assert_eq!(sim.rejected_with(id), "There is no active chat session.");
    sim.started();
    let id = sim.command(Command::SendMessage(json!({"message": " "})));
    assert_eq!(sim.rejected_with(id), "No message text provided");
    let id = sim.command(Command::SendMessage(json!({"message": "a".repeat(4001)})));
    assert_eq!(sim.rejected_with(id), "Message length exceeds configured threshold of (4000) characters");
}

/// endChat deletes the own member (204), then clientDisconnected, ended, cookies gone, socket closed.
#[test]
fn end_chat() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    let id = sim.command(Command::EndChat);
    let del = sim.take("DELETE", &format!("/members/{ME}"));
    sim.mark();
    sim.answer(&del, 204, Value::Null);
    assert_eq!(sim.events(), vec!["clientDisconnected", "ended"]);
    assert!(sim.sockets.is_empty());
    assert!(sim.host.store.is_empty(), "{:?}", sim.host.store);
    assert!(matches!(sim.reply(id), Some(Outcome::Resolve(_))));
}

/// The visitor's own member leaving (DISCONNECTED) ends the chat after 1 s.
#[test]
fn own_member_disconnected_ends_the_chat() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    sim.frame(message_frame("l", ME, "", "member-leave", "2019-06-18T17:00:00Z"));
    let look = sim.take("GET", &format!("/members/{ME}"));
    sim.answer(&look, 200, member(ME, "CUSTOMER", "Jane Doe", "DISCONNECTED"));
    sim.mark();
    let at = sim.now;
    sim.tick();
    assert_eq!(sim.now - at, 1000);
    assert!(sim.events().contains(&"ended"));
}

fn saved() -> MemoryHost {
    let mut host = MemoryHost::default();
    for (k, v) in [(keys::JWT, "JWT1"), (keys::CONVERSATION, CONV), (keys::MEMBER, ME), (keys::STREAM, STREAM), (keys::LAST_MESSAGE, "m9")] {
        host.store.insert(k.into(), v.into());
    }
    host
}

/// Restore: own member CONNECTED → the stored stream reopens, restored, then the newest page with restoring: true, oldest first.
#[test]
fn restore_with_pagination() {
    let mut sim = GuestSim::with_host(json!({"maxMessagePageSize": 2}), saved());
    assert!(sim.log.iter().any(|a| matches!(a, Action::Data { key: "capabilities", value } if value["pagination"] == true)));
    let me = sim.take("GET", &format!("/members/{ME}"));
    sim.answer(&me, 200, member(ME, "CUSTOMER", "Jane", "CONNECTED"));
    assert_eq!(sim.sockets, vec![(1, STREAM.to_owned())]);
    sim.mark();
    sim.socket(SocketEvent::Opened);
    assert_eq!(sim.events(), vec!["restored"]);
    let members = sim.take("GET", "/members");
    sim.answer(&members, 200, json!({"entities": [member(ME, "CUSTOMER", "Jane", "CONNECTED"), member(AGENT, "AGENT", "Anna", "CONNECTED")]}));
    let page = sim.take("GET", "/messages?sortOrder=descending&maxResults=2");
    sim.answer(&page, 200, json!({"entities": [entity("m9", AGENT, "newest", "2019-06-18T17:01:00Z"), entity("m8", ME, "older", "2019-06-18T17:00:30Z")],
        "next": format!("/api/v2/webchat/guest/conversations/{CONV}/messages?sortOrder=descending&maxResults=2&before=m8")}));
    let m = sim.event("messageReceived");
    assert_eq!(m["restoring"], true);
    assert_eq!(sim.received(), vec![("older".to_owned(), "Client".to_owned()), ("newest".to_owned(), "Agent".to_owned())]);
    // fetchHistory pages back from the oldest shown, then says there is no more.
    let id = sim.command(Command::FetchHistory);
    let older = sim.take("GET", "/messages?sortOrder=descending&maxResults=2&before=m8");
    sim.mark();
    sim.answer(&older, 200, json!({"entities": [entity("m7", AGENT, "seven", "2019-06-18T16:59:00Z"), entity("m6", ME, "six", "2019-06-18T16:58:00Z")]}));
    assert_eq!(sim.event("messageReceived")["oldMessages"], true);
    assert_eq!(sim.received(), vec![("seven".to_owned(), "Agent".to_owned()), ("six".to_owned(), "Client".to_owned())], "history batches newest first");
    assert!(matches!(sim.reply(id), Some(Outcome::Resolve(_))));
    let id = sim.command(Command::FetchHistory);
    assert_eq!(sim.rejected_with(id), "No more messages to fetch");
}

/// Without pagination every page is loaded on restore, and fetchHistory is refused.
#[test]
fn restore_without_pagination() {
    let mut sim = GuestSim::with_host(json!({"pagination": false}), saved());
    let me = sim.take("GET", &format!("/members/{ME}"));
    sim.answer(&me, 200, member(ME, "CUSTOMER", "Jane", "CONNECTED"));
    sim.socket(SocketEvent::Opened);
    let members = sim.take("GET", "/members");
    sim.answer(&members, 200, json!({"entities": [member(ME, "CUSTOMER", "Jane", "CONNECTED")]}));
    let first = sim.take("GET", "/messages?sortOrder=descending&maxResults=100");
    sim.mark();
    sim.answer(&first, 200, json!({"entities": [entity("b", ME, "second", "2019-06-18T17:00:02Z")], "next": format!("/api/v2/webchat/guest/conversations/{CONV}/messages?before=b")}));
    assert!(sim.received().is_empty(), "waits for every page");
    let second = sim.take("GET", "/messages?before=b");
    sim.answer(&second, 200, json!({"entities": [entity("a", ME, "first", "2019-06-18T17:00:01Z")]}));
    assert_eq!(sim.received(), vec![("first".to_owned(), "Client".to_owned()), ("second".to_owned(), "Client".to_owned())]);
    let id = sim.command(Command::FetchHistory);
    assert_eq!(sim.rejected_with(id), "Fetching chat history on scroll is not enabled.");
}

/// Restore of a conversation whose own member left: restoreFailed with the member, cookies cleared.
#[test]
fn restore_failed() {
    let mut sim = GuestSim::with_host(json!({}), saved());
    let me = sim.take("GET", &format!("/members/{ME}"));
    sim.mark();
    sim.answer(&me, 200, member(ME, "CUSTOMER", "Jane", "DISCONNECTED"));
    assert_eq!(sim.event("restoreFailed")["state"], "DISCONNECTED");
    assert!(!sim.host.store.contains_key(keys::CONVERSATION));
    assert!(sim.sockets.is_empty());
}

/// Commands this transport lacks reject with the shipped texts.
#[test]
fn unsupported_commands() {
    let mut sim = GuestSim::new(json!({}));
    sim.started();
    for (cmd, text) in [
        (Command::Poll { commander: "WebChatService".into() }, "This transport doesn't support polling."),
        (Command::StartPoll, "This transport doesn't support polling."),
        (Command::ResetPollExceptions, "This transport doesn't support resetPollExceptions command."),
        (Command::GetFileLimits, "This transport doesn't support getFileLimits command."),
        (Command::SendCustomNotice(json!({"message": "n"})), "This transport doesn't support sendCustomNotice command."),
        (Command::DownloadFile, "This transport doesn't support file download."),
        (Command::SendFile, "This transport doesn't support file uploads."),
        (Command::UpdateUserData(json!({"a": 1})), "This transport doesn't support updating userData during an active chat session."),
        (Command::UpdateInteractionData(json!({"a": 1})), "This transport doesn't support updating interactionData during an active chat session."),
        (Command::VerifySession, "Transport not supported"),
        (Command::StartChat { data: json!({}), page: Default::default() }, "There is already an active chat session"),
    ] {
        let label = format!("{cmd:?}");
        let id = sim.command(cmd);
        assert_eq!(sim.rejected_with(id), text, "{label}");
    }
}

/// Random command, answer and socket sequences: every command settles exactly once, nothing panics.
#[test]
fn every_command_settles_under_random_sequences() {
    let mut seed: u64 = 0xDEAD_BEEF_1234_5678;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for round in 0..150 {
        let mut sim = GuestSim::new(json!({}));
        let mut ids = Vec::new();
        for _ in 0..40 {
            match rand(12) {
                0..=4 => {
                    let cmd = match rand(9) {
                        0 => GuestSim::start_cmd(json!({"nickname": "R"})),
                        1 => Command::EndChat,
                        2 => Command::SendMessage(json!({"message": "m"})),
                        3 => Command::SendTyping(json!({})),
                        4 => Command::Restore { commander: "WebChat".into() },
                        5 => Command::FetchHistory,
                        6 => Command::GetTranscript,
                        7 => Command::AsyncRestore,
                        _ => Command::GetStats,
                    };
                    ids.push(sim.command(cmd));
                }
                5..=7 if !sim.http.is_empty() => {
                    let i = rand(sim.http.len() as u64) as usize;
                    let req = sim.http.remove(i);
                    match rand(4) {
                        0 => sim.fail(&req),
                        1 => sim.answer(&req, 500, json!({"status": 500})),
                        2 => sim.answer(&req, 200, json!({"id": CONV, "jwt": "J", "eventStreamUri": STREAM, "member": {"id": ME}, "state": "CONNECTED", "role": "AGENT", "entities": []})),
                        _ => sim.answer(&req, 204, Value::Null),
                    }
                }
                8 | 9 if !sim.sockets.is_empty() => {
                    let ev = match rand(3) {
                        0 => SocketEvent::Opened,
                        1 => SocketEvent::Closed,
                        _ => SocketEvent::Message(message_frame(&format!("r{}", rand(5)), AGENT, "x", "standard", "2019-06-18T17:00:00Z").to_string()),
                    };
                    sim.socket(ev);
                }
                _ => {
                    if sim.s.poll_timeout().is_some() {
                        sim.tick();
                    }
                }
            }
        }
        // Drain: answer everything, fail the sockets, run the clock out.
        for _ in 0..200 {
            if let Some(req) = sim.http.first().cloned() {
                sim.http.remove(0);
                sim.answer(&req, 404, json!({"status": 404}));
            } else if !sim.sockets.is_empty() {
                sim.socket(SocketEvent::Closed);
            } else if sim.s.poll_timeout().is_some() {
                sim.tick();
            } else {
                break;
            }
        }
        let end = sim.command(Command::EndChat);
        if let Some(req) = sim.http.first().cloned() {
            sim.http.remove(0);
            sim.answer(&req, 204, Value::Null);
        }
        for id in ids.into_iter().chain([end]) {
            assert!(sim.reply(id).is_some(), "round {round}: command {id} never settled");
        }
    }
}

/// sendTyping (POST typing, no body, a 2 s window), the getters, prefilters and sendFilteredMessage on guest chat.
#[test]
fn typing_getters_and_filters() {
    let mut sim = GuestSim::new(json!({}));
    let early = sim.command(Command::SendTyping(json!({})));
    assert_eq!(sim.rejected_with(early), "trying to send typing indicator when session is not active");
    sim.started();
    sim.mark();
    let typing = sim.command(Command::SendTyping(json!({})));
    let req = sim.take("POST", &format!("/members/{ME}/typing"));
    assert_eq!(req.body, Body::None, "no body, and no preview text, on this transport");
    sim.answer(&req, 200, json!({"id": "t1"}));
    assert!(matches!(sim.reply(typing), Some(Outcome::Resolve(_))));
    sim.now += 1500;
    let again = sim.command(Command::SendTyping(json!({})));
    assert!(sim.http.iter().all(|r| !r.url.ends_with("/typing")), "a keystroke inside the window sends nothing");
    assert_eq!(sim.reply(again), Some(Outcome::Resolve(ReplyValue::Undefined)));
    let at = sim.now;
    sim.tick();
    assert_eq!(sim.now - at, 2000);
    assert_eq!(sim.events(), vec!["clientTypingStarted", "clientTypingStopped"]);

    let add = sim.command(Command::AddPrefilter(Some(vec![webchatservice::engine::RegexSpec::new("^secret", "i")])));
    assert!(matches!(sim.reply(add), Some(Outcome::Resolve(ReplyValue::RegExps(_)))));
    sim.frame(message_frame("j", AGENT, "", "member-join", "2019-06-18T17:00:00Z"));
    let look = sim.take("GET", &format!("/members/{AGENT}"));
    sim.answer(&look, 200, member(AGENT, "AGENT", "Anna", "CONNECTED"));
    sim.mark();
    sim.frame(message_frame("s", AGENT, "SECRET code", "standard", "2019-06-18T17:00:01Z"));
    sim.frame(message_frame("v", AGENT, "visible", "standard", "2019-06-18T17:00:02Z"));
    assert_eq!(sim.received(), vec![("visible".to_owned(), "Agent".to_owned())], "the prefilter hides the matching message");
    let filtered = sim.command(Command::SendFilteredMessage { data: json!({"message": "token 123"}), regex: Some(webchatservice::engine::RegexSpec::new("^token", "")) });
    let send = sim.take("POST", &format!("/members/{ME}/messages"));
    assert_eq!(json_body(&send), json!({"body": "token 123"}));
    sim.answer(&send, 200, entity("own", ME, "token 123", "2019-06-18T17:00:03Z"));
    assert!(matches!(sim.reply(filtered), Some(Outcome::Resolve(_))));
    sim.mark();
    sim.frame(message_frame("own", ME, "token 123", "standard", "2019-06-18T17:00:03Z"));
    assert!(sim.received().is_empty(), "the echo of a filtered message is hidden");

    let data = sim.command(Command::GetSessionData);
    assert!(matches!(sim.reply(data), Some(Outcome::Resolve(ReplyValue::Json(v))) if v == json!({"jwt": "JWT1", "conversationId": CONV, "memberId": ME, "WebSocketUrl": STREAM})));
    let agents = sim.command(Command::GetAgents);
    assert!(matches!(sim.reply(agents), Some(Outcome::Resolve(ReplyValue::Json(v))) if v["agents"][AGENT]["connected"] == true));
    let transcript = sim.command(Command::GetTranscript);
    assert!(matches!(sim.reply(transcript), Some(Outcome::Resolve(ReplyValue::Json(v))) if v["messages"].as_array().is_some_and(|m| m.iter().any(|x| x["text"] == "visible"))));
    let stats = sim.command(Command::GetStats);
    assert!(matches!(sim.reply(stats), Some(Outcome::Resolve(ReplyValue::Json(v))) if v["startTime"].is_i64() && v["duration"].is_i64()));
}
