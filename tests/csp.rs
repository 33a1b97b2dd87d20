//! Content Security Policy (issue 17, item 17): the demo page and a plain integrator page
//! work under `script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'`
//! (no 'unsafe-inline', no 'unsafe-eval'). The stand-in serves a page asked for with
//! `csp=1` with that header and with `test/csp-watch.js` loaded first, which records every
//! `securitypolicyviolation`; a chat (start, the agent's message, a send and its answer)
//! must run with none recorded.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use support::webdriver::{browser, start_driver, wait_for};

fn count(list: &str, text: &str) -> String {
    format!("Array.from(document.querySelectorAll('{list} li')).filter(l => l.textContent.includes({})).length", json!(text))
}

async fn js(c: &Client, expr: &str) -> Result<Value, String> {
    c.execute(&format!("return ({expr});"), vec![])
        .await
        .map_err(|e| e.to_string())
}

async fn type_into(c: &Client, id: &str, text: &str) -> Result<(), String> {
    c.find(Locator::Id(id))
        .await
        .map_err(|e| e.to_string())?
        .send_keys(text)
        .await
        .map_err(|e| e.to_string())
}

async fn click(c: &Client, css: &str) -> Result<(), String> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())
}

/// Fails with the violations the page recorded, if any (and if the watcher is missing).
async fn no_violations(c: &Client, page: &str) -> Result<(), String> {
    match js(c, "window.cspViolations").await? {
        Value::Array(v) if v.is_empty() => Ok(()),
        Value::Array(v) => Err(format!("{page}: Content-Security-Policy violations: {v:?}")),
        other => Err(format!(
            "{page}: the violation watcher did not run (window.cspViolations is {other})"
        )),
    }
}

/// The policy is in force and the watcher sees a breach of it: a style attribute is
/// refused and recorded (so a test of this file can fail).
async fn the_watch_works(c: &Client, page: &str) -> Result<(), String> {
    js(c, "(document.body.insertAdjacentHTML('beforeend', '<p id=\"csp-probe\" style=\"color: red\">x</p>'), true)").await?;
    let recorded = wait_for(
        c,
        "the probe's violation",
        "window.cspViolations.some(v => v.startsWith('style-src'))",
        5,
    )
    .await;
    let color = js(
        c,
        "getComputedStyle(document.getElementById('csp-probe')).color",
    )
    .await?;
    if recorded.is_err() || color == json!("rgb(255, 0, 0)") {
        return Err(format!(
            "{page}: the policy is not in force or not watched (the probe is {color})"
        ));
    }
    Ok(())
}

/// The demo page at `query` under the policy: start as `name`, the agent's greeting, a
/// message and its answer, no violation.
async fn demo_chat(c: &Client, base: &str, query: &str, name: &str) -> Result<(), String> {
    c.goto(&format!("{base}/?{query}"))
        .await
        .map_err(|e| e.to_string())?;
    wait_for(
        c,
        "the start form",
        "!document.getElementById('start-form').hidden",
        15,
    )
    .await?;
    js(c, "document.getElementById('nickname').value = ''").await?;
    type_into(c, "nickname", name).await?;
    click(c, "#start").await?;
    wait_for(
        c,
        "the agent's greeting",
        &count("#transcript", &format!("Hello {name}! I'm Anna")),
        15,
    )
    .await?;
    type_into(c, "message", "under a strict policy").await?;
    click(c, "#send").await?;
    wait_for(
        c,
        "the agent's answer",
        &count("#transcript", "You said: under a strict policy"),
        15,
    )
    .await?;
    no_violations(c, query).await?;
    the_watch_works(c, query).await
}

async fn with_browser<F, Fut>(f: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: std::future::Future<Output = (Client, Result<(), String>)>,
{
    let server =
        support::webdriver::standin_with_agent(standin::Roots::of_repo(), 200, 100, 300).await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let (client, outcome) = f(client, server.url()).await;
    // A step that timed out may have been blocked by the policy: say what it blocked.
    let outcome = match outcome {
        Err(e) => Err(format!(
            "{e}; violations recorded: {}",
            js(&client, "window.cspViolations")
                .await
                .unwrap_or(Value::Null)
        )),
        ok => ok,
    };
    let _ = client.close().await;
    outcome.expect("the page works under the policy");
}

/// The demo page on GMS chats under the strict policy without a single violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_on_gms_runs_under_a_strict_policy() {
    with_browser(|c, base| async move {
        let r = demo_chat(&c, &base, "csp=1", "Jane").await;
        (c, r)
    })
    .await;
}

/// The demo page on guest chat (REST and the WebSocket stream) chats under the strict policy without a violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_on_guest_chat_runs_under_a_strict_policy() {
    with_browser(|c, base| async move {
        let r = demo_chat(&c, &base, "transport=guest&csp=1", "Gwen").await;
        (c, r)
    })
    .await;
}

/// The demo page on Nexus v3 chats under the strict policy without a violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_on_nexus_runs_under_a_strict_policy() {
    with_browser(|c, base| async move {
        let r = demo_chat(&c, &base, "transport=nexus&csp=1", "Nina").await;
        (c, r)
    })
    .await;
}

/// The demo page on Web Messaging (socket, history, deployment config) chats under the strict policy without a violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_on_web_messaging_runs_under_a_strict_policy() {
    with_browser(|c, base| async move {
        let r = demo_chat(&c, &base, "transport=webmessaging&csp=1", "Wes").await;
        (c, r)
    })
    .await;
}

/// A plain integrator page (scripts in files only) chats under the strict policy without a violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_page_runs_under_a_strict_policy() {
    with_browser(|c, base| async move {
        let r = async {
            c.goto(&format!("{base}/test/plain.html?csp=1"))
                .await
                .map_err(|e| e.to_string())?;
            click(&c, "#start button").await?;
            wait_for(
                &c,
                "the agent's greeting",
                &count("#transcript", "Anna: Hello Pat! I'm Anna"),
                15,
            )
            .await?;
            type_into(&c, "text", "from a plain page").await?;
            click(&c, "#send button").await?;
            wait_for(
                &c,
                "the agent's answer",
                &count("#transcript", "Anna: You said: from a plain page"),
                15,
            )
            .await?;
            no_violations(&c, "test/plain.html").await?;
            the_watch_works(&c, "test/plain.html").await
        }
        .await;
        (c, r)
    })
    .await;
}
