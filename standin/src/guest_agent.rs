//! The scripted agent of guest chat: joins once the stream is attached (ALERTING, then
//! CONNECTED, then a member-join message), greets, types, answers; `/leave`, `/end`, `/notice` as in
//! the GMS script.

use crate::guest::{disconnect_member, AGENT_ID};
use crate::guest_world::{iso, GMember};
use crate::world::{lock, now_ms, Shared};
use std::time::Duration;

/// Runs `f` on the conversation if it is still going; `false` otherwise.
fn with_conv(world: &Shared, conv: &str, f: impl FnOnce(&mut crate::guest_world::Conversation, u64)) -> bool {
    let mut w = lock(world);
    let n = w.seq();
    match w.guest.get_mut(conv) {
        Some(c) if !c.ended => {
            f(c, n);
            true
        }
        _ => false,
    }
}

pub fn agent_join(world: &Shared, conv: &str) -> bool {
    let name = lock(world).agent.name.clone();
    with_conv(world, conv, |c, n| {
        if c.member(AGENT_ID).is_none() {
            c.members.push(GMember {
                id: AGENT_ID.into(),
                role: "AGENT".into(),
                display_name: name.clone(),
                state: "ALERTING".into(),
                avatar: Some("https://example.invalid/anna.png".into()),
                join_date: iso(now_ms()),
                custom_fields: None,
            });
            c.member_change(AGENT_ID, "ALERTING", n);
        }
        c.agent = Some(AGENT_ID.into());
        c.member_change(AGENT_ID, "CONNECTED", n + 1_000_000);
        c.post(AGENT_ID, "", "member-join", n + 2_000_000);
    })
}

pub fn agent_says(world: &Shared, conv: &str, text: &str) -> bool {
    with_conv(world, conv, |c, n| {
        c.post(AGENT_ID, text, "standard", n);
    })
}

pub fn agent_types(world: &Shared, conv: &str) -> bool {
    with_conv(world, conv, |c, n| {
        c.typing(AGENT_ID, n);
    })
}

pub fn on_routed(world: Shared, conv: String) {
    let script = lock(&world).agent.clone();
    if !script.auto {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.join_delay_ms)).await;
        if !agent_join(&world, &conv) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let name = lock(&world).guest.get(&conv).and_then(|c| c.member(&c.customer).map(|m| m.display_name.clone())).unwrap_or_default();
        agent_says(&world, &conv, &format!("Hello {name}! I'm {}. How can I help you?", script.name));
    });
}

pub fn on_customer_message(world: Shared, conv: String, text: String) {
    let script = lock(&world).agent.clone();
    let joined = lock(&world).guest.get(&conv).and_then(|c| c.member(AGENT_ID)).is_some_and(|m| m.state == "CONNECTED");
    if !script.auto || !joined {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(script.typing_delay_ms)).await;
        if !agent_types(&world, &conv) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(script.reply_delay_ms)).await;
        match text.trim() {
            "/leave" => {
                agent_says(&world, &conv, "I have to go now, goodbye.");
                disconnect_member(&world, &conv, AGENT_ID);
            }
            "/end" => {
                agent_says(&world, &conv, "Closing this chat. Goodbye!");
                let customer = lock(&world).guest.get(&conv).map(|c| c.customer.clone()).unwrap_or_default();
                disconnect_member(&world, &conv, &customer);
            }
            "/notice" => {
                with_conv(&world, &conv, |c, n| {
                    c.post(AGENT_ID, "This is a system notice.", "notice", n);
                });
            }
            other => {
                agent_says(&world, &conv, &format!("You said: {other}"));
            }
        }
    });
}
