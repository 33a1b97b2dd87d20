//! The scripted agent of Web Messaging (like `guest_agent.rs`): on the visitor's
//! Presence Join or first message it joins (an Outbound Presence `Join` event from Anna)
//! and greets; each later text gets a Typing `On` (duration 5000) and then an answer.
//! `/leave` ends its part with an Outbound Presence `Disconnect` carrying
//! `metadata.readOnly: "true"` (the session turns read-only); `/bot` sends a Bot message
//! with QuickReply content. Delays come from the shared agent script (`World::agent`).

use crate::webmsg::{body, envelope, from_agent, from_bot, Trigger};
use crate::world::{lock, Shared, World};
use serde_json::{json, Value};
use std::time::Duration;

/// Builds an Outbound message with `make`, stores it unless `store` is false, sends it
/// to every socket of the session. `false` when the session is gone, spent or expired.
fn push(world: &Shared, token: &str, store: bool, make: impl FnOnce(&mut World) -> Value) -> bool {
    let mut w = lock(world);
    if w.webmsg.sessions.get(token).is_none_or(|s| s.spent || s.expired) {
        return false;
    }
    let b = make(&mut w);
    let Some(s) = w.webmsg.sessions.get_mut(token) else { return false };
    if store {
        s.messages.push(b.clone());
    }
    s.broadcast(&envelope("message", "StructuredMessage", 200, b, None));
    true
}

fn agent_message(w: &mut World, kind: &str, extra: Value) -> Value {
    let from = from_agent(w);
    body(w, "Outbound", kind, Some(from), "Human", extra)
}

/// The agent joins: an Outbound Presence Join event.
pub fn join(world: &Shared, token: &str) -> bool {
    let ok = push(world, token, true, |w| agent_message(w, "Event", json!({"events": [{"eventType": "Presence", "presence": {"type": "Join"}}]})));
    if let Some(s) = lock(world).webmsg.sessions.get_mut(token) {
        s.agent_joined = true;
        s.agent_started = true;
    }
    ok
}

pub fn say(world: &Shared, token: &str, text: &str) -> bool {
    push(world, token, true, |w| agent_message(w, "Text", json!({"text": text})))
}

/// Typing On, not stored (as the service keeps no typing in history).
pub fn typing(world: &Shared, token: &str) -> bool {
    push(world, token, false, |w| agent_message(w, "Event", json!({"events": [{"eventType": "Typing", "typing": {"type": "On", "duration": 5000}}]})))
}

/// The agent leaves and the conversation turns read-only.
pub fn leave(world: &Shared, token: &str) -> bool {
    let ok = push(world, token, true, |w| {
        agent_message(w, "Event", json!({"events": [{"eventType": "Presence", "presence": {"type": "Disconnect"}}], "metadata": {"readOnly": "true"}}))
    });
    if let Some(s) = lock(world).webmsg.sessions.get_mut(token) {
        s.read_only = true;
        s.agent_joined = false;
    }
    ok
}

/// A bot's question with quick replies.
pub fn bot(world: &Shared, token: &str) -> bool {
    push(world, token, true, |w| {
        let quick = |t: &str, p: &str| json!({"contentType": "QuickReply", "quickReply": {"text": t, "payload": p, "action": "Message"}});
        body(w, "Outbound", "Structured", Some(from_bot()), "Bot", json!({"text": "Can I help you with your order?", "content": [quick("Yes", "yes"), quick("No", "no")]}))
    })
}

/// What the agent does after the visitor's Presence Join or text.
pub fn on_visitor(world: Shared, token: String, trigger: Trigger) {
    let script = lock(&world).agent.clone();
    if !script.auto {
        return;
    }
    tokio::spawn(async move {
        match trigger {
            Trigger::Start(visitor) => {
                tokio::time::sleep(Duration::from_millis(script.join_delay_ms)).await;
                if !join(&world, &token) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(script.typing_delay_ms)).await;
                if !typing(&world, &token) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(script.reply_delay_ms)).await;
                let hello = visitor.map_or("Hello!".to_owned(), |v| format!("Hello {v}!"));
                say(&world, &token, &format!("{hello} I'm {}. How can I help you?", script.name));
            }
            Trigger::Reply(text) => {
                if lock(&world).webmsg.sessions.get(&token).is_none_or(|s| !s.agent_joined) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(script.typing_delay_ms)).await;
                if !typing(&world, &token) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(script.reply_delay_ms)).await;
                match text.trim() {
                    "/leave" => {
                        say(&world, &token, "I have to go now, goodbye.");
                        leave(&world, &token);
                    }
                    "/bot" => {
                        bot(&world, &token);
                    }
                    other => {
                        say(&world, &token, &format!("You said: {other}"));
                    }
                }
            }
        }
    });
}
