//! The plugin against other readings of the Nexus v3 protocol: in a real headless Chromium,
//! the same chat runs on the stand-in set to each variant (`standin::nexus_variant`, one
//! knob changed from the default at a time, then all of them at once), and the goal is
//! checked each time: nothing lost, nothing doubled, every command settled.
//!
//! Each run: a chat starts; the agent joins and says `a1..aK` (K = 3; in async mode 30, so
//! that the restore's page of 16 is not the whole chat and history must page back); the
//! visitor sends `v1..v3` through the bus; the page reloads (async mode: with its cookies
//! deleted first, so the page's stored token re-attaches a new transport); in async mode
//! `fetchHistory` is called until it answers "No more messages to fetch"; the agent says
//! `a(K+1)`, then `a(K+2)` while the answer to the poll that carries it is cut after the
//! server sent it (so the plugin must ask again with `index=`, which is where the index
//! readings matter); the visitor sends `v4`; the visitor ends the chat.
//!
//! Checked: each page load shows every `a<i>` and `v<i>` said before its end exactly once
//! (the load after the reload through its restore and history), in the server's order
//! (history pages aside); the server holds each `v<i>` exactly once; every command settled
//! (sends and the end resolved, history resolved or answered "No more messages to fetch");
//! the reload restored once; no `error`, `sessionLost` or `restoreFailed`; the end
//! published `ended` once. One row per run goes to `target/nexus-variants-table.txt`, each
//! run's page record to `target/nexus-variants/<run>.json`.
//!
//! The page is `www/test/nexus-variants.html`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::Client;
use serde_json::{json, Value};
use standin::nexus_variant::Variant;
use standin::world::lock;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::webdriver::{browser, start_driver};

/// The page's poll interval (ms).
const POLL_MS: u64 = 500;

/// One run: a variant (JSON of the control API) in cookie or async mode.
#[derive(Debug, Clone)]
struct Run {
    name: &'static str,
    variant: Value,
    async_mode: bool,
}

impl Run {
    /// Agent messages before the reload.
    fn before(&self) -> usize {
        if self.async_mode {
            30
        } else {
            3
        }
    }
    fn mode(&self) -> &'static str {
        if self.async_mode {
            "async"
        } else {
            "cookies"
        }
    }
    fn label(&self) -> String {
        format!("{} ({})", self.name, self.mode())
    }
}

/// Every non-default value once, on the defaults.
fn all_a() -> Value {
    json!({"cursor": "none", "index_from": "exclusive", "index_type": "number", "index_base": 0, "codes": "integer",
        "token_alphabet": "url", "history": "before_exclusive", "ended_on_leave_poll": "invalid_session"})
}

/// The other non-default values of the knobs that have two.
fn all_b() -> Value {
    json!({"cursor": "shared", "index_from": "exclusive", "index_type": "dashed", "index_base": 0, "codes": "integer",
        "token_alphabet": "standard_padded", "history": "ignores_index", "ended_on_leave_poll": "invalid_session"})
}

/// Each knob's non-default values, one at a time.
fn single_knobs() -> Vec<(&'static str, Value)> {
    vec![
        ("cursor=none", json!({"cursor": "none"})),
        ("cursor=shared", json!({"cursor": "shared"})),
        ("index_from=exclusive", json!({"index_from": "exclusive"})),
        ("index_type=number", json!({"index_type": "number"})),
        ("index_type=dashed", json!({"index_type": "dashed"})),
        ("index_base=0", json!({"index_base": 0})),
        ("codes=integer", json!({"codes": "integer"})),
        ("token_alphabet=standard_padded", json!({"token_alphabet": "standard_padded"})),
        ("token_alphabet=url", json!({"token_alphabet": "url"})),
        ("history=before_exclusive", json!({"history": "before_exclusive"})),
        ("history=ignores_index", json!({"history": "ignores_index"})),
        ("ended_on_leave_poll=invalid_session", json!({"ended_on_leave_poll": "invalid_session"})),
    ]
}

/// The runs, the longer async ones first: async mode (a new transport after the reload,
/// history pages) with every knob value; cookie mode with every knob value but the
/// `history` ones (a chat kept in cookies never asks for a history page).
fn runs() -> Vec<Run> {
    let mut all = Vec::new();
    for async_mode in [true, false] {
        all.push(Run { name: "default", variant: json!({}), async_mode });
        for (name, variant) in single_knobs() {
            if async_mode || !name.starts_with("history=") {
                all.push(Run { name, variant, async_mode });
            }
        }
        all.push(Run { name: "all non-defaults A", variant: all_a(), async_mode });
        all.push(Run { name: "all non-defaults B", variant: all_b(), async_mode });
    }
    all
}

/// What one run came to.
#[derive(Debug, Default)]
struct Outcome {
    label: String,
    /// Agent messages a page load did not show / showed more than once (per load).
    lost_a: usize,
    doubled_a: usize,
    /// The visitor's messages the server does not hold / holds more than once.
    lost_v: usize,
    doubled_v: usize,
    /// The visitor's messages a page load did not show / showed more than once.
    page_lost_v: usize,
    page_doubled_v: usize,
    /// Commands pending at the end, or rejected (history's "No more messages" aside).
    unsettled: usize,
    rejected: usize,
    /// Numbered messages shown after a later one (history pages aside).
    out_of_order: usize,
    /// What breaks the goal, one line each; empty: the run passed.
    problems: Vec<String>,
    /// What happened, for a person.
    notes: Vec<String>,
    secs: f64,
}

async fn js(c: &Client, expr: &str) -> Result<Value, String> {
    c.execute(&format!("return ({expr});"), vec![]).await.map_err(|e| e.to_string())
}

/// Polls `expr` until it is `true` or `secs` pass; whether it became true.
async fn until(c: &Client, expr: &str, secs: f64) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        // A page being reloaded has no `ft` for a moment.
        if js(c, &format!("window.ft ? ({expr}) : false")).await.unwrap_or(Value::Bool(false)) == Value::Bool(true) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The chat is over on this page: waiting for more messages is no use.
const OVER: &str = "ft.has('ended') || ft.has('sessionLost') || ft.has('restoreFailed')";

/// Waits for `text` in this page load; a problem when it does not come.
async fn expect_shown(c: &Client, text: &str, secs: f64, when: &str, out: &mut Outcome) {
    let shown = format!("ft.count({}) > 0", json!(text));
    if !until(c, &format!("{shown} || {OVER}"), secs).await || !until(c, &shown, 0.0).await {
        out.notes.push(format!("{when}: {text} not shown after {secs:.0} s"));
    }
}

/// The one session's id on the stand-in.
fn session_id(server: &standin::Running) -> Option<String> {
    lock(&server.world).nexus.sessions.keys().next().cloned()
}

fn say(server: &standin::Running, id: &str, text: &str, out: &mut Outcome) {
    if !standin::nexus::act(&server.world, id, "say", text) {
        out.notes.push(format!("the agent could not say {text}"));
    }
}

/// The run's steps on the page; `Err` when the page cannot go on at all.
async fn scenario(run: &Run, c: &Client, server: &standin::Running, out: &mut Outcome) -> Result<(), String> {
    let k = run.before();
    let mut url = format!("{}/test/nexus-variants.html?pollTimeout={POLL_MS}", server.url());
    if run.async_mode {
        url.push_str("&async=1");
    }
    c.goto(&url).await.map_err(|e| e.to_string())?;
    if !until(c, "ft.has('ready')", 20.0).await {
        return Err("WebChatService.ready never came".into());
    }
    js(c, "ft.start('Vera')").await?;
    if !until(c, "ft.has('started')", 15.0).await {
        return Err(format!("the chat did not start: {}", js(c, "JSON.stringify(ft.load().commands[0])").await.unwrap_or_default()));
    }
    let id = session_id(server).ok_or("no session on the server")?;
    if !standin::nexus::act(&server.world, &id, "join", "") {
        return Err("the agent could not join".into());
    }
    if !until(c, "ft.has('agentConnected')", 10.0).await {
        out.notes.push("agentConnected never came".into());
    }
    for i in 1..=k {
        say(server, &id, &format!("a{i}"), out);
    }
    let mut sends = Vec::new();
    for i in 1..=3 {
        sends.push(js(c, &format!("ft.send('v{i}')")).await?);
    }
    let settled = sends.iter().map(|i| format!("ft.settled({i})")).collect::<Vec<_>>().join(" && ");
    let before_reload = format!("{settled} && ft.count('a{k}') > 0 && ft.count('v3') > 0");
    if !until(c, &format!("({before_reload}) || {OVER}"), 15.0).await || !until(c, &before_reload, 0.0).await {
        out.notes.push(format!("before the reload: not all of a{k}, v3 shown and v1..v3 settled after 15 s"));
    }
    if run.async_mode {
        // The page's stored token is then all there is to come back with.
        c.delete_all_cookies().await.map_err(|e| e.to_string())?;
    }
    c.refresh().await.map_err(|e| e.to_string())?;
    if !until(c, "ft.has('restored') || ft.has('restoreFailed') || ft.has('sessionLost')", 20.0).await {
        out.notes.push("after the reload: neither restored nor restoreFailed nor sessionLost in 20 s".into());
    }
    if run.async_mode {
        history(c, out).await?;
    }
    say(server, &id, &format!("a{}", k + 1), out);
    expect_shown(c, &format!("a{}", k + 1), 10.0, "after the reload", out).await;
    // The answer to the poll that carries a(K+2) is cut after the server sent it; the
    // next poll asking from an index is noted (a fault that changes nothing: 0 ms late).
    let applied = lock(&server.world).net_applied.len();
    for fault in [json!({"kind": "after_drop", "transport": "nexus", "op": "poll"}), json!({"kind": "after_late", "delay_ms": 0, "transport": "nexus", "op": "poll", "path": "index="})] {
        let fault = serde_json::from_value(fault).map_err(|e| e.to_string())?;
        lock(&server.world).net_faults.push_back(fault);
    }
    say(server, &id, &format!("a{}", k + 2), out);
    expect_shown(c, &format!("a{}", k + 2), 15.0, "after a cut poll answer", out).await;
    let polls: Vec<String> = {
        let mut w = lock(&server.world);
        w.net_faults.clear();
        w.net_applied[applied..].iter().map(|a| format!("{:?} {}", a.kind, a.path.split_once('?').map_or("", |(_, q)| q).split('&').filter(|p| !p.starts_with("operationId=")).collect::<Vec<_>>().join("&"))).collect()
    };
    out.notes.push(format!("polls after the cut: [{}]", polls.join(", ")));
    let v4 = js(c, "ft.send('v4')").await?;
    if !until(c, &format!("(ft.settled({v4}) && ft.count('v4') > 0) || {OVER}"), 15.0).await {
        out.notes.push("v4 not settled and shown after 15 s".into());
    }
    let end = js(c, "ft.end()").await?;
    if !until(c, &format!("ft.settled({end})"), 10.0).await {
        out.notes.push("endChat not settled after 10 s".into());
    }
    // Late polls and answers: anything shown twice shows now.
    tokio::time::sleep(Duration::from_millis(3 * POLL_MS)).await;
    Ok(())
}

/// Async mode: `fetchHistory` until "No more messages to fetch" (at most 8 pages).
async fn history(c: &Client, out: &mut Outcome) -> Result<(), String> {
    let mut answers = Vec::new();
    for _ in 0..8 {
        let h = js(c, "ft.history()").await?;
        if !until(c, &format!("ft.settled({h})"), 10.0).await {
            out.problems.push("fetchHistory not settled after 10 s (stuck)".into());
            return Ok(());
        }
        let answer = js(c, &format!("ft.load().commands[{h}]")).await?;
        let state = answer["state"].as_str().unwrap_or("?").to_owned();
        answers.push(state.clone());
        if state != "resolved" {
            let detail = answer["detail"].as_str().unwrap_or_default().to_owned();
            if !detail.contains("No more messages") {
                out.problems.push(format!("fetchHistory {state}: {detail}"));
            }
            out.notes.push(format!("history: {}", answers.join(", ")));
            return Ok(());
        }
        // Its messages are published after the command resolves.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    out.problems.push(format!("history never reached its start in 8 pages: {}", answers.join(", ")));
    Ok(())
}

/// How often each text arrived in one page load (messages of type Message only).
fn count(load: &Value, text: &str) -> usize {
    load["received"].as_array().map_or(0, |r| r.iter().filter(|m| m["text"] == json!(text) && m["type"] == "Message").count())
}

/// Checks the goal on the page's record and the server.
fn measure(run: &Run, record: &Value, server: &standin::Running, out: &mut Outcome) {
    let k = run.before();
    let loads = record["loads"].as_array().cloned().unwrap_or_default();
    if loads.len() != 2 {
        out.problems.push(format!("{} page loads recorded (one reload was made)", loads.len()));
    }
    let (positions, stored, sessions) = {
        let w = lock(&server.world);
        let mut positions = std::collections::BTreeMap::new();
        let mut stored = Vec::new();
        for s in w.nexus.sessions.values() {
            for (p, m) in s.messages.iter().enumerate() {
                if let Some(t) = m["text"].as_str() {
                    positions.entry(t.to_owned()).or_insert(p);
                    if m["from"]["type"] == "Customer" && m["type"] == "Text" {
                        stored.push(t.to_owned());
                    }
                }
            }
        }
        (positions, stored, w.nexus.sessions.len())
    };
    if sessions != 1 {
        out.problems.push(format!("{sessions} sessions on the server (one was started, the reload restores it)"));
    }
    for i in 1..=4 {
        let v = format!("v{i}");
        match stored.iter().filter(|s| **s == v).count() {
            0 => {
                out.lost_v += 1;
                out.problems.push(format!("server: {v} never stored"));
            }
            1 => {}
            n => {
                out.doubled_v += 1;
                out.problems.push(format!("server: {v} stored {n} times"));
            }
        }
    }
    for (l, load) in loads.iter().enumerate() {
        let (agent, visitor) = if l == 0 { (k, 3) } else { (k + 2, 4) };
        let names = (1..=agent).map(|i| (format!("a{i}"), true)).chain((1..=visitor).map(|i| (format!("v{i}"), false)));
        let mut missing = Vec::new();
        for (text, is_agent) in names {
            match count(load, &text) {
                0 => {
                    missing.push(text.clone());
                    if is_agent { out.lost_a += 1 } else { out.page_lost_v += 1 }
                }
                1 => {}
                n => {
                    if is_agent { out.doubled_a += 1 } else { out.page_doubled_v += 1 }
                    out.problems.push(format!("load {l}: {text} shown {n} times"));
                }
            }
        }
        if !missing.is_empty() {
            out.problems.push(format!("load {l}: never shown: {}", missing.join(" ")));
        }
        // In the server's order, history pages aside (published newest first, as shipped):
        // a message shown after a later one is out of order.
        let mut latest: Option<(usize, String)> = None;
        let mut late: Vec<String> = Vec::new();
        let mut first_after = String::new();
        for m in load["received"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let Some(text) = m["text"].as_str() else { continue };
            let Some(&p) = positions.get(text) else { continue };
            if m["old"] == true || m["type"] != "Message" {
                continue;
            }
            match &latest {
                Some((q, newest)) if p <= *q => {
                    if late.is_empty() {
                        first_after = newest.clone();
                    }
                    late.push(text.to_owned());
                }
                _ => latest = Some((p, text.to_owned())),
            }
        }
        if !late.is_empty() {
            out.out_of_order += late.len();
            out.problems.push(format!("load {l}: shown after {first_after}, not as history: {}", late.join(" ")));
        }
        for cmd in load["commands"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = cmd["name"].as_str().unwrap_or("?").trim_start_matches("WebChatService.");
            let what = format!("{name}{}", cmd["text"].as_str().map(|t| format!(" {t}")).unwrap_or_default());
            match cmd["state"].as_str().unwrap_or("?") {
                "resolved" => {}
                "rejected" if name == "fetchHistory" && cmd["detail"].as_str().is_some_and(|d| d.contains("No more messages")) => {}
                "rejected" => {
                    out.rejected += 1;
                    out.problems.push(format!("load {l}: {what} rejected: {}", cmd["detail"]));
                }
                "pending" => {
                    out.unsettled += 1;
                    out.problems.push(format!("load {l}: {what} never settled"));
                }
                other => {
                    out.unsettled += 1;
                    out.problems.push(format!("load {l}: {what} {other}"));
                }
            }
        }
        let events: Vec<&str> = load["events"].as_array().map(Vec::as_slice).unwrap_or_default().iter().filter_map(|e| e["name"].as_str()).collect();
        let times = |n: &str| events.iter().filter(|e| **e == n).count();
        for bad in ["sessionLost", "restoreFailed"] {
            if times(bad) > 0 {
                out.problems.push(format!("load {l}: {bad}"));
            }
        }
        for e in load["events"].as_array().map(Vec::as_slice).unwrap_or_default().iter().filter(|e| e["name"] == "error") {
            out.problems.push(format!("load {l}: error event {}", e["codes"]));
        }
        if l == 1 {
            if times("restored") != 1 {
                out.problems.push(format!("load 1: restored {} times", times("restored")));
            }
            if times("ended") != 1 {
                out.problems.push(format!("load 1: ended {} times after endChat", times("ended")));
            }
        }
        for e in load["errors"].as_array().map(Vec::as_slice).unwrap_or_default() {
            out.problems.push(format!("load {l}: page error {e}"));
        }
        out.notes.push(format!("load {l} events: {}", events.join(" ")));
    }
}

/// One run on its own stand-in, in the session `c` (its cookies deleted before and after).
async fn run_one(run: &Run, c: &Client) -> Outcome {
    let t0 = Instant::now();
    let mut out = Outcome { label: run.label(), ..Outcome::default() };
    let server = match standin::start(0, standin::Roots::of_repo()).await {
        Ok(s) => s,
        Err(e) => {
            out.problems.push(format!("the stand-in did not start: {e}"));
            return out;
        }
    };
    lock(&server.world).agent.auto = false;
    match serde_json::from_value::<Variant>(run.variant.clone()) {
        Ok(v) => server.set_nexus_variant(v),
        Err(e) => {
            out.problems.push(format!("not a variant: {e}"));
            return out;
        }
    }
    if let Err(e) = scenario(run, c, &server, &mut out).await {
        out.problems.push(format!("stopped: {e}"));
    }
    match js(c, "window.ft ? ft.record() : null").await {
        Ok(record) if !record.is_null() => {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/nexus-variants");
            let _ = std::fs::create_dir_all(dir);
            let file = run.label().replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '=', "_");
            let _ = std::fs::write(format!("{dir}/{file}.json"), serde_json::to_string_pretty(&record).unwrap_or_default());
            measure(run, &record, &server, &mut out);
        }
        other => out.problems.push(format!("no page record: {other:?}")),
    }
    // Cookies are per host, not per port: the next run's stand-in would see these.
    let _ = c.delete_all_cookies().await;
    let _ = c.goto("about:blank").await;
    out.secs = t0.elapsed().as_secs_f64();
    out
}

/// A browser session taking runs from the shared queue until it is empty (three run side
/// by side).
async fn worker(driver: &support::webdriver::Driver, queue: Arc<Mutex<VecDeque<Run>>>) -> Vec<Outcome> {
    let mut done = Vec::new();
    let client = match browser(driver).await {
        Ok(c) => c,
        Err(e) => {
            done.push(Outcome { label: "a browser session".into(), problems: vec![e], ..Outcome::default() });
            return done;
        }
    };
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some(run) = next else { break };
        done.push(run_one(&run, &client).await);
    }
    let _ = client.close().await;
    done
}

fn table(rows: &[Outcome]) -> String {
    let mut out = String::from("run                                           | result | lost a | doubled a | server lost v | server doubled v | page lost v | page doubled v | unsettled | rejected | out of order | s\n");
    for r in rows {
        out.push_str(&format!(
            "{:<45} | {:<6} | {:>6} | {:>9} | {:>13} | {:>16} | {:>11} | {:>14} | {:>9} | {:>8} | {:>12} | {:.0}\n",
            r.label, if r.problems.is_empty() { "pass" } else { "FAIL" }, r.lost_a, r.doubled_a, r.lost_v, r.doubled_v, r.page_lost_v, r.page_doubled_v, r.unsettled, r.rejected, r.out_of_order, r.secs
        ));
    }
    for r in rows {
        out.push_str(&format!("\n{}:\n", r.label));
        for p in &r.problems {
            out.push_str(&format!("  PROBLEM {p}\n"));
        }
        for n in &r.notes {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}

/// On every plausible reading of the Nexus v3 protocol's inferred parts (each knob alone, all at once, cookie and async mode), a chat with a reload loses, doubles and reorders nothing, and every command settles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_nexus_variant_keeps_each_message_exactly_once() {
    assert!(standin::Roots::of_repo().dist.join("webchatservice.min.js").exists(), "dist/ is not built: run scripts/build.sh");
    let driver = start_driver().expect("chromedriver starts");
    let all = runs();
    let order: Vec<String> = all.iter().map(Run::label).collect();
    let queue = Arc::new(Mutex::new(all.into_iter().collect::<VecDeque<_>>()));
    let (a, b, c) = tokio::join!(worker(&driver, queue.clone()), worker(&driver, queue.clone()), worker(&driver, queue.clone()));
    let mut rows: Vec<Outcome> = [a, b, c].into_iter().flatten().collect();
    rows.sort_by_key(|r| order.iter().position(|l| *l == r.label).unwrap_or(usize::MAX));
    let text = table(&rows);
    println!("{text}");
    let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/target/nexus-variants-table.txt"), &text);
    let failed: Vec<&str> = rows.iter().filter(|r| !r.problems.is_empty()).map(|r| r.label.as_str()).collect();
    assert!(failed.is_empty(), "lost, doubled, reordered or unsettled on {failed:?}:\n{text}");
}
