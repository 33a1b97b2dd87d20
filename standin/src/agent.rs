//! The scripted agent: joins a new chat, greets, shows typing, answers each message.
//! Special texts let a person steer it from the demo: `/leave` (the agent leaves),
//! `/end` (the agent ends the chat), `/notice` (a system notice).

use crate::world::{lock, now_ms, Shared};
use serde_json::json;
use std::time::Duration;

pub const AGENT_ID: u64 = 2;

fn agent_from(name: &str) -> serde_json::Value {
    json!({"nickname": name, "participantId": AGENT_ID, "type": "Agent"})
}

/// Pushes one agent entry, if the chat is still open.
pub fn push_agent(world: &Shared, chat_id: &str, kind: &str, text: Option<&str>) -> bool {
    let mut w = lock(world);
    let name = w.agent.name.clone();
    let Some(chat) = w.chats.get_mut(chat_id) else { return false };
    if chat.ended {
        return false;
    }
    let mut m = json!({"from": agent_from(&name), "type": kind, "utcTime": now_ms()});
    if let Some(t) = text {
        m["text"] = json!(t);
    }
    match kind {
        "ParticipantJoined" => chat.agent_joined = true,
        "ParticipantLeft" => chat.agent_joined = false,
        _ => {}
    }
    chat.push(m);
    true
}

/// Ends the chat from the server side.
pub fn end_chat(world: &Shared, chat_id: &str) {
    let mut w = lock(world);
    if let Some(chat) = w.chats.get_mut(chat_id) {
        if !chat.ended {
            if chat.agent_joined {
                let name = w.agent.name.clone();
                if let Some(chat) = w.chats.get_mut(chat_id) {
                    chat.push(json!({"from": agent_from(&name), "type": "ParticipantLeft"}));
                    chat.agent_joined = false;
                    chat.ended = true;
                }
            } else {
                chat.ended = true;
            }
        }
    }
}

/// A new chat: the agent joins after a while and greets the visitor.
pub fn on_chat_requested(world: Shared, chat_id: String) {
    let script = lock(&world).agent.clone();
    if !script.auto {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.join_delay_ms)).await;
        if !push_agent(&world, &chat_id, "ParticipantJoined", None) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let nickname = lock(&world).chats.get(&chat_id).map(|c| c.nickname.clone()).unwrap_or_default();
        let greeting = format!("Hello {nickname}! I'm {}. How can I help you?", script.name);
        push_agent(&world, &chat_id, "Message", Some(&greeting));
    });
}

/// The visitor said something: the agent types, then answers.
pub fn on_client_message(world: Shared, chat_id: String, text: String) {
    let script = lock(&world).agent.clone();
    let joined = lock(&world).chats.get(&chat_id).is_some_and(|c| c.agent_joined);
    if !script.auto || !joined {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.typing_delay_ms)).await;
        if !push_agent(&world, &chat_id, "TypingStarted", None) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(script.reply_delay_ms)).await;
        match text.trim() {
            "/leave" => {
                push_agent(&world, &chat_id, "Message", Some("I have to go now, goodbye."));
                push_agent(&world, &chat_id, "ParticipantLeft", None);
            }
            "/end" => {
                push_agent(&world, &chat_id, "Message", Some("Closing this chat. Goodbye!"));
                end_chat(&world, &chat_id);
            }
            "/notice" => {
                push_agent(&world, &chat_id, "Notice", Some("This is a system notice."));
            }
            other => {
                push_agent(&world, &chat_id, "Message", Some(&format!("You said: {other}")));
            }
        }
    });
}
