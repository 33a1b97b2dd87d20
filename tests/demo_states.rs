//! The demo page shows every state the bus reports (issue 9): a real headless Chromium
//! walks a GMS chat through them, takes a screenshot of each (`target/demo-states/*.png`)
//! and checks what a person would see there: the status line, the visible items, which
//! controls are enabled, the text left in the input.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use support::webdriver::{browser, start_driver, wait_for};

fn status_is(text: &str) -> String {
    format!("document.getElementById('status').textContent === {}", json!(text))
}

fn shown(text: &str) -> String {
    format!("Array.from(document.querySelectorAll('#transcript li')).some(l => l.textContent.includes({}))", json!(text))
}

async fn js(c: &Client, expr: &str) -> Result<Value, String> {
    c.execute(&format!("return ({expr});"), vec![]).await.map_err(|e| e.to_string())
}

/// Saves what the page looks like now as `target/demo-states/<name>.png`.
async fn screenshot(c: &Client, name: &str) -> Result<(), String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/demo-states");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let png = c.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(format!("{dir}/{name}.png"), png).map_err(|e| e.to_string())
}

async fn expect(c: &Client, what: &str, expr: &str) -> Result<(), String> {
    match js(c, expr).await? {
        Value::Bool(true) => Ok(()),
        other => Err(format!("{what}: {expr} is {other}")),
    }
}

async fn send(c: &Client, text: &str) -> Result<(), String> {
    c.find(Locator::Id("message")).await.map_err(|e| e.to_string())?.send_keys(text).await.map_err(|e| e.to_string())?;
    c.find(Locator::Id("send")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())
}

fn fault(server: &standin::Running, f: Value) {
    let f: standin::world::Fault = serde_json::from_value(f).expect("a fault the stand-in knows");
    standin::world::lock(&server.world).faults.push_back(f);
}

async fn walk(c: &Client, server: &standin::Running) -> Result<(), String> {
    let base = server.url();
    c.goto(&format!("{base}/")).await.map_err(|e| e.to_string())?;
    wait_for(c, "the start form", "!document.getElementById('start-form').hidden", 15).await?;
    wait_for(c, "ready", &status_is("ready"), 5).await?;
    screenshot(c, "1-ready").await?;

    // A double click on Start starts one chat and shows no error.
    c.find(Locator::Id("nickname")).await.map_err(|e| e.to_string())?.send_keys("Jane").await.map_err(|e| e.to_string())?;
    js(c, "(document.getElementById('start').click(), document.getElementById('start').click(), true)").await?;
    wait_for(c, "waiting for an agent", &status_is("waiting for an agent…"), 10).await?;
    screenshot(c, "2-waiting").await?;
    expect(c, "no error after a double click", "document.getElementById('error').hidden").await?;

    wait_for(c, "the agent", &status_is("chatting with Anna"), 10).await?;
    wait_for(c, "the greeting", &shown("Hello Jane! I'm Anna"), 10).await?;
    screenshot(c, "3-chatting").await?;

    // Sending…, then delivered; the agent types; the answer.
    send(c, "a question").await?;
    wait_for(c, "the message on its way", "Array.from(document.querySelectorAll('#pending li')).some(l => /sending|delivered/.test(l.textContent))", 5).await?;
    screenshot(c, "4-sending").await?;
    wait_for(c, "the agent typing", "!document.getElementById('agent-typing').hidden && document.getElementById('agent-typing').textContent.includes('Anna is typing')", 10).await?;
    screenshot(c, "5-agent-typing").await?;
    wait_for(c, "the answer", &shown("You said: a question"), 10).await?;
    wait_for(c, "the sent message settled", "document.querySelectorAll('#pending li').length === 0 || !/sending/.test(document.getElementById('pending').textContent)", 10).await?;

    // A long word wraps inside the bubble.
    let word = "x".repeat(400);
    send(c, &word).await?;
    wait_for(c, "the long word", &shown(&format!("You said: {word}")), 10).await?;
    expect(c, "no sideways overflow", "document.getElementById('transcript').scrollWidth <= document.getElementById('transcript').clientWidth + 1").await?;

    // A refused message stays in the input and the error says why; the next send clears it.
    fault(server, json!({"kind": "errors", "status": 400, "code": 102, "op": "send"}));
    send(c, "refused once").await?;
    wait_for(c, "the error", "!document.getElementById('error').hidden", 10).await?;
    expect(c, "the refused text back in the input", "document.getElementById('message').value === 'refused once'").await?;
    screenshot(c, "6-refused").await?;
    c.find(Locator::Id("send")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for(c, "the error cleared by a good send", "document.getElementById('error').hidden", 10).await?;

    // The chat server goes offline for a while, then comes back.
    // More offline answers than `pollExceptionLimit` (5): the service says it went offline.
    fault(server, json!({"kind": "status1", "op": "refresh", "count": 7}));
    wait_for(c, "offline", &status_is("chat server offline, retrying…"), 30).await?;
    screenshot(c, "7-offline").await?;
    wait_for(c, "back online", &status_is("chatting with Anna"), 30).await?;

    // The agent leaves: the page says nobody is there.
    send(c, "/leave").await?;
    wait_for(c, "the agent left", &status_is("the agent left: nobody is in the chat"), 10).await?;
    expect(c, "the leave in the transcript", &shown("Anna left the chat")).await?;
    screenshot(c, "8-agent-left").await?;

    // A reload restores the chat; the status tells the state, not "restored".
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the restored notice", &shown("Your chat was restored."), 15).await?;
    wait_for(c, "the state after the restore", &status_is("the agent left: nobody is in the chat"), 10).await?;
    screenshot(c, "9-restored").await?;

    // The end: input disabled, "New chat" enabled and focused; a new chat starts fresh.
    c.find(Locator::Id("end")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for(c, "ended", &status_is("chat ended"), 10).await?;
    expect(c, "input disabled", "document.getElementById('message').disabled && document.getElementById('send').disabled").await?;
    expect(c, "New chat ready", "document.getElementById('end').textContent === 'New chat' && !document.getElementById('end').disabled && document.activeElement === document.getElementById('end')").await?;
    screenshot(c, "10-ended").await?;
    c.find(Locator::Id("end")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for(c, "ready again", &status_is("ready"), 5).await?;
    expect(c, "the start form again", "!document.getElementById('start-form').hidden && !document.getElementById('start').disabled").await?;
    Ok(())
}

/// The demo page walks through every state with a screenshot of each, and each shows what it should.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_every_state() {
    // Slow enough to see "waiting for an agent" and the agent typing.
    let server = support::webdriver::standin_with_agent(standin::Roots::of_repo(), 1500, 100, 1500).await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = walk(&client, &server).await;
    if outcome.is_err() {
        let _ = screenshot(&client, "failed").await;
    }
    let _ = client.close().await;
    outcome.expect("every state shows");
}
