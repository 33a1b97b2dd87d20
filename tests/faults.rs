//! The fault matrix (issue 17): in a real headless Chromium, on each transport (GMS, guest
//! chat, Nexus v3), a visitor and an agent exchange numbered messages (`v1..vN` through the
//! bus command `WebChatService.sendMessage`, `a1..aN` from the stand-in's agent) while the
//! stand-in's network fault layer (`standin::netfault`) fails sends and polls (or drops and
//! refuses guest event streams) in every way a network can: 5xx, requests that hang past
//! `ajaxTimeout`, answers lost, late or replaced by a 502 after the server processed the
//! request, and a reload mid-exchange. At the end it checks the goal: the server holds each
//! `v<i>` once, the page received each `a<i>` once (per page load; a reload's restore may
//! show it again), every command settled, and the last exchange, after all faults, went
//! through. It prints one row per transport (and writes them to `target/faults-table.txt`,
//! each page's record to `target/faults-<transport>.json`).
//!
//! "Lost a" is an agent message no page load received; "doubled a" one that a single page
//! load received twice; "lost v"/"doubled v" count the server's copies. Beside the goal the
//! table shows what the page saw of its own messages, commands rejected, rejected although
//! the server has the message (the visitor would send it again), resolved although it does
//! not, cut by the deliberate reload, how much history each reload's restore showed, and
//! faults no request took (a step that tested nothing).
//!
//! The page is `www/test/faults.html` (a tiny UI of bus calls that records, across reloads,
//! what it received and how each command settled).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::Client;
use serde_json::{json, Value};
use standin::world::{lock, Shared};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::webdriver::{browser, start_driver};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Gms,
    Guest,
    Nexus,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Gms => "gms",
            Transport::Guest => "guest",
            Transport::Nexus => "nexus",
        }
    }
    /// The request timeout the page configures (guest chat's floor is 12 s, as shipped).
    fn timeout_ms(self) -> u64 {
        match self {
            Transport::Guest => 12_000,
            _ => 3_000,
        }
    }
    /// The operation that carries a visitor's message.
    fn send_op(self) -> &'static str {
        "send"
    }
    /// The operation that brings the agent's messages: GMS and Nexus polls; on guest chat
    /// the transcript fetch that catches up after the event stream was dropped.
    fn poll_op(self) -> &'static str {
        match self {
            Transport::Gms => "refresh",
            Transport::Guest => "messages",
            Transport::Nexus => "poll",
        }
    }
}

/// One exchange: faults queued before `v<i>` is sent, faults queued with `a<i>`.
struct Step {
    label: &'static str,
    send: Vec<Value>,
    poll: Vec<Value>,
    /// Guest chat: the event stream is dropped before the agent speaks.
    drop_stream: bool,
    /// Whether and how the page reloads, once the server has `v<i>` (its command may still
    /// wait for its answer); `poll` faults then hit the restore.
    reload: Reload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reload {
    No,
    /// `a<i>` is said, then the page reloads at once.
    Now,
    /// The page is left for `about:blank`, `a<i>` is said while no page is there, then the
    /// visitor comes back (a reload whose page is gone for a moment).
    Away,
}

fn step(label: &'static str) -> Step {
    Step {
        label,
        send: Vec::new(),
        poll: Vec::new(),
        drop_stream: false,
        reload: Reload::No,
    }
}

/// The exchanges for one transport; the last one has no fault.
fn plan(t: Transport) -> Vec<Step> {
    let timeout = t.timeout_ms();
    let hang = timeout + 2_000;
    let fault = |op: &str, kind: &str, extra: Value| {
        let mut f = json!({"kind": kind, "transport": t.name(), "op": op});
        if let (Value::Object(f), Value::Object(extra)) = (&mut f, extra) {
            f.extend(extra);
        }
        f
    };
    let s = |kind: &str, extra: Value| fault(t.send_op(), kind, extra);
    let p = |kind: &str, extra: Value| fault(t.poll_op(), kind, extra);
    let guest = t == Transport::Guest;
    let mut steps = vec![
        step("no fault"),
        Step {
            send: vec![s("http", json!({"status": 503}))],
            poll: vec![p("http", json!({"status": 500, "count": 2}))],
            ..step("5xx, not processed")
        },
        Step {
            send: vec![s("before_hang", json!({"delay_ms": hang}))],
            poll: vec![p("before_hang", json!({"delay_ms": hang}))],
            ..step("hang past the timeout, not processed")
        },
        Step {
            send: vec![s("after_drop", json!({}))],
            poll: vec![p("after_drop", json!({}))],
            ..step("processed, answer cut")
        },
        Step {
            send: vec![s("after_hang", json!({"delay_ms": hang}))],
            poll: vec![p("after_hang", json!({"delay_ms": hang}))],
            ..step("processed, answer hangs past the timeout")
        },
        Step {
            send: vec![s("after_late", json!({"delay_ms": timeout / 2}))],
            poll: vec![p("after_late", json!({"delay_ms": timeout / 2}))],
            ..step("processed, answer late within the timeout")
        },
        Step {
            send: vec![s("after_late", json!({"delay_ms": timeout + 1_500}))],
            poll: vec![p("after_5xx", json!({}))],
            ..step("processed, answer after the timeout / 502")
        },
        Step {
            send: vec![s("after_5xx", json!({}))],
            poll: vec![p("before_drop", json!({}))],
            ..step("processed, 502 / cut, not processed")
        },
        Step {
            send: vec![
                s("before_drop", json!({})),
                s("http", json!({"status": 503})),
            ],
            poll: vec![p("after_drop", json!({"count": 2}))],
            ..step("two faults in a row")
        },
        Step {
            send: vec![s("after_hang", json!({"delay_ms": hang}))],
            reload: Reload::Now,
            ..step("reload while a send's answer hangs")
        },
        Step {
            poll: vec![p("http", json!({"status": 503}))],
            reload: Reload::Away,
            ..step("reload, a said meanwhile, restore's fetch 503")
        },
        step("after all faults"),
    ];
    if guest {
        for st in steps
            .iter_mut()
            .filter(|st| !st.poll.is_empty() && st.reload == Reload::No)
        {
            st.drop_stream = true;
        }
        // The next stream upgrades are refused too.
        steps[1]
            .poll
            .push(fault("stream", "http", json!({"status": 503, "count": 2})));
        steps[7]
            .poll
            .push(fault("stream", "before_drop", json!({})));
    }
    steps
}

/// The one chat of the stand-in (GMS chat id, guest conversation id or Nexus session id).
fn chat_id(t: Transport, world: &Shared) -> Option<String> {
    let w = lock(world);
    match t {
        Transport::Gms => w.chats.keys().next().cloned(),
        Transport::Guest => w.guest.keys().next().cloned(),
        Transport::Nexus => w.nexus.sessions.keys().next().cloned(),
    }
}

fn agent_joins(t: Transport, world: &Shared, id: &str) -> bool {
    match t {
        Transport::Gms => standin::agent::push_agent(world, id, "ParticipantJoined", None),
        Transport::Guest => standin::guest_agent::agent_join(world, id),
        Transport::Nexus => standin::nexus::act(world, id, "join", ""),
    }
}

fn agent_says(t: Transport, world: &Shared, id: &str, text: &str) -> bool {
    match t {
        Transport::Gms => standin::agent::push_agent(world, id, "Message", Some(text)),
        Transport::Guest => standin::guest_agent::agent_says(world, id, text),
        Transport::Nexus => standin::nexus::act(world, id, "say", text),
    }
}

/// What the visitor said, as the server keeps it, in order.
fn stored(t: Transport, world: &Shared) -> Vec<String> {
    let w = lock(world);
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    match t {
        Transport::Gms => w
            .chats
            .values()
            .flat_map(|c| &c.transcript)
            .filter(|m| m["type"] == "Message" && m["from"]["type"] == "Client")
            .map(|m| text(m, "text"))
            .collect(),
        Transport::Guest => w
            .guest
            .values()
            .flat_map(|c| {
                c.messages.iter().filter(|m| {
                    m["sender"]["id"] == json!(c.customer) && m["bodyType"] == "standard"
                })
            })
            .map(|m| text(m, "body"))
            .collect(),
        Transport::Nexus => w
            .nexus
            .sessions
            .values()
            .flat_map(|s| &s.messages)
            .filter(|m| m["type"] == "Text" && m["from"]["type"] == "Customer")
            .map(|m| text(m, "text"))
            .collect(),
    }
}

fn queue(world: &Shared, faults: &[Value]) -> Result<(), String> {
    let mut w = lock(world);
    for f in faults {
        let f: standin::netfault::NetFault = serde_json::from_value(f.clone())
            .map_err(|e| format!("a fault the stand-in knows: {e}"))?;
        w.net_faults.push_back(f);
    }
    Ok(())
}

async fn js(c: &Client, expr: &str) -> Result<Value, String> {
    c.execute(&format!("return ({expr});"), vec![])
        .await
        .map_err(|e| e.to_string())
}

/// Polls `expr` until it is `true` or `secs` pass; whether it became true.
async fn until(c: &Client, expr: &str, secs: f64) -> Result<bool, String> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        // A page being reloaded has no `ft` for a moment.
        if js(c, &format!("window.ft ? ({expr}) : false"))
            .await
            .unwrap_or(Value::Bool(false))
            == Value::Bool(true)
        {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits for `check` on the stand-in's state to hold, at most `secs`.
async fn until_server(secs: f64, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    while !check() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

/// One transport's results.
#[derive(Debug, Default)]
struct Row {
    transport: &'static str,
    /// Visitor messages the server does not have, or has more than once.
    lost_v: usize,
    doubled_v: usize,
    /// Agent messages no page load received, or one page load received twice.
    lost_a: usize,
    doubled_a: usize,
    /// Commands of the last page load still pending at the end.
    unsettled: usize,
    /// The page never got a visitor message back / one page load got it twice.
    page_lost_v: usize,
    page_doubled_v: usize,
    rejected: usize,
    /// A rejected command whose message the server has (the visitor would send it again),
    /// a resolved one whose message it does not have.
    rejected_but_stored: usize,
    resolved_not_stored: usize,
    /// Commands cut off by the deliberate reload (not counted as unsettled).
    cut_by_reload: usize,
    /// Faults queued that no request took (a step that tested nothing).
    unfired: usize,
    /// The exchange after all faults went through (v stored once and resolved, a received).
    final_ok: bool,
    /// The steps with a reload, in order (the page load after the k-th is load k).
    reloads: Vec<usize>,
    /// Per reload: how many of the messages of the steps before it the page load after it
    /// showed (its restore), of how many.
    history: Vec<(usize, usize)>,
    /// What happened, step by step.
    notes: Vec<String>,
}

impl Row {
    fn passed(&self) -> bool {
        self.lost_v + self.doubled_v + self.lost_a + self.doubled_a + self.unsettled == 0
            && self.final_ok
    }
}

/// How often each text arrived, per page load.
fn received_per_load(record: &Value) -> Vec<BTreeMap<String, usize>> {
    record["loads"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|load| {
            let mut counts = BTreeMap::new();
            for m in load["received"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if let Some(t) = m["text"].as_str() {
                    *counts.entry(t.to_owned()).or_insert(0) += 1;
                }
            }
            counts
        })
        .collect()
}

/// Runs the whole exchange on one transport and measures it.
async fn run(t: Transport, driver: &support::webdriver::Driver) -> Row {
    let mut row = Row {
        transport: t.name(),
        ..Row::default()
    };
    let server = match standin::start(0, standin::Roots::of_repo()).await {
        Ok(s) => s,
        Err(e) => {
            row.notes.push(format!("the stand-in did not start: {e}"));
            return row;
        }
    };
    lock(&server.world).agent.auto = false;
    let client = match browser(driver).await {
        Ok(c) => c,
        Err(e) => {
            row.notes.push(e);
            return row;
        }
    };
    let outcome = exchange(t, &client, &server, &mut row).await;
    if let Err(e) = outcome {
        row.notes.push(format!("stopped: {e}"));
    }
    let _ = client.close().await;
    row
}

async fn exchange(
    t: Transport,
    c: &Client,
    server: &standin::Running,
    row: &mut Row,
) -> Result<(), String> {
    let world = &server.world;
    let timeout = t.timeout_ms();
    let url = format!(
        "{}/test/faults.html?transport={}&ajaxTimeout={timeout}",
        server.url(),
        t.name()
    );
    c.goto(&url).await.map_err(|e| e.to_string())?;
    if !until(c, "ft.has('ready')", 20.0).await? {
        return Err("WebChatService.ready never came".into());
    }
    js(c, "ft.start('Faye')").await?;
    if !until(c, "ft.has('started')", 20.0).await? {
        return Err("the chat did not start".into());
    }
    let id = chat_id(t, world).ok_or("no chat on the server")?;
    // Guest chat routes the conversation once the event stream is attached.
    if t == Transport::Guest
        && !until_server(10.0, || {
            lock(world).guest.get(&id).is_some_and(|c| c.routed)
        })
        .await
    {
        return Err("the event stream never attached".into());
    }
    if !agent_joins(t, world, &id) {
        return Err("the agent could not join".into());
    }
    if !until(c, "ft.has('agentConnected')", 15.0).await? {
        row.notes.push("agentConnected never came".into());
    }
    let steps = plan(t);
    let n = steps.len();
    let started = Instant::now();
    for (i, st) in steps.iter().enumerate() {
        let i = i + 1;
        let (v, a) = (format!("v{i}"), format!("a{i}"));
        let t0 = Instant::now();
        let applied_before = lock(world).net_applied.len();
        if started.elapsed() > Duration::from_secs(170) && i < n {
            row.notes
                .push(format!("step {i} ({}) skipped: out of time", st.label));
            continue;
        }
        queue(world, &st.send)?;
        let cmd = js(c, &format!("ft.send({})", json!(v))).await?;
        let load = row.reloads.len();
        let settled = format!("ft.load().commands[{cmd}].state !== 'pending'");
        if st.reload != Reload::No {
            // The server has v<i> (its answer may hang), a<i> is said, the page reloads.
            row.reloads.push(i);
            let arrived = if st.send.is_empty() {
                until(c, &settled, (3 * timeout) as f64 / 1000.0 + 12.0).await?
            } else {
                until_server(10.0, || stored(t, world).contains(&v)).await
            };
            if !arrived {
                row.notes.push(format!(
                    "step {i}: {v} never reached the server before the reload"
                ));
            }
            if st.reload == Reload::Away {
                c.goto("about:blank").await.map_err(|e| e.to_string())?;
            }
            agent_says(t, world, &id, &a);
            queue(world, &st.poll)?;
            match st.reload {
                Reload::Away => c.goto(&url).await.map_err(|e| e.to_string())?,
                _ => c.refresh().await.map_err(|e| e.to_string())?,
            }
            if !until(c, "ft.has('restored') || ft.has('restoreFailed')", 20.0).await? {
                row.notes.push(format!(
                    "step {i}: neither 'restored' nor 'restoreFailed' after the reload"
                ));
            }
        } else {
            if !until(c, &settled, (3 * timeout) as f64 / 1000.0 + 12.0).await? {
                row.notes.push(format!(
                    "step {i} ({}): {v} not settled after {:.0} s",
                    st.label,
                    t0.elapsed().as_secs_f64()
                ));
            }
            if st.drop_stream {
                if let Some(conv) = lock(world).guest.get_mut(&id) {
                    conv.close_streams();
                }
            }
            if !agent_says(t, world, &id, &a) {
                row.notes
                    .push(format!("step {i}: the agent could not say {a}"));
            }
            queue(world, &st.poll)?;
        }
        // A chat that is over will not bring it: no use waiting then.
        let wait_a = if t == Transport::Guest { 30.0 } else { 20.0 };
        if !until(
            c,
            &format!(
                "ft.count({}) > 0 || ft.has('restoreFailed') || ft.has('ended')",
                json!(a)
            ),
            wait_a,
        )
        .await?
            || !until(c, &format!("ft.count({}) > 0", json!(a)), 0.0).await?
        {
            row.notes.push(format!(
                "step {i} ({}): {a} not received after {:.0} s",
                st.label,
                t0.elapsed().as_secs_f64()
            ));
        }
        // Faults that no request took test nothing: say so, and do not let them leak on.
        let (fired, left) = {
            let mut w = lock(world);
            let fired: Vec<String> = w.net_applied[applied_before..]
                .iter()
                .map(|f| format!("{:?} {}", f.kind, f.op))
                .collect();
            let left = w.net_faults.len();
            w.net_faults.clear();
            (fired, left)
        };
        row.unfired += left;
        let command = format!("ft.record().loads[{load}].commands[{cmd}]");
        let state = js(
            c,
            &format!("{command}.state + ' ' + String({command}.detail).slice(0, 40)"),
        )
        .await
        .unwrap_or(Value::Null);
        row.notes.push(format!(
            "step {i:>2} {:<44} {:>5.1} s  {v}: stored {}x, {}  {a}: {}  faults fired [{}], {left} left",
            st.label,
            t0.elapsed().as_secs_f64(),
            stored(t, world).iter().filter(|s| **s == v).count(),
            state.as_str().unwrap_or("?"),
            js(c, &format!("ft.count({})", json!(a))).await.unwrap_or(Value::Null),
            fired.join(", ")
        ));
    }
    // Quiet: every command of this page load settles, late answers and polls come in.
    until(
        c,
        "ft.load().commands.every(function (c) { return c.state !== 'pending'; })",
        (2 * timeout) as f64 / 1000.0 + 10.0,
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(2 * timeout.min(3_000))).await;
    measure(t, c, world, n, row).await
}

async fn measure(
    t: Transport,
    c: &Client,
    world: &Shared,
    n: usize,
    row: &mut Row,
) -> Result<(), String> {
    let record = js(c, "ft.record()").await?;
    // For a person: everything the page saw (target/faults-<transport>.json).
    let _ = std::fs::write(
        format!(
            "{}/target/faults-{}.json",
            env!("CARGO_MANIFEST_DIR"),
            t.name()
        ),
        serde_json::to_string_pretty(&record).unwrap_or_default(),
    );
    let loads = received_per_load(&record);
    let server = stored(t, world);
    let on_server = |text: &str| server.iter().filter(|s| *s == text).count();
    let seen = |text: &str| {
        loads
            .iter()
            .map(|l| l.get(text).copied().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    for i in 1..=n {
        let (v, a) = (format!("v{i}"), format!("a{i}"));
        match on_server(&v) {
            0 => row.lost_v += 1,
            1 => {}
            _ => row.doubled_v += 1,
        }
        let (va, aa) = (seen(&v), seen(&a));
        if aa.iter().all(|&k| k == 0) {
            row.lost_a += 1;
        }
        if aa.iter().any(|&k| k > 1) {
            row.doubled_a += 1;
        }
        if va.iter().all(|&k| k == 0) {
            row.page_lost_v += 1;
        }
        if va.iter().any(|&k| k > 1) {
            row.page_doubled_v += 1;
        }
    }
    let all_loads = record["loads"].as_array().cloned().unwrap_or_default();
    let last = all_loads.len().saturating_sub(1);
    for (k, load) in all_loads.iter().enumerate() {
        for cmd in load["commands"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if cmd["name"] != "WebChatService.sendMessage" {
                // startChat: settled, whatever the outcome.
                if k == last && cmd["state"] == "pending" {
                    row.unsettled += 1;
                    row.notes.push(format!("{} never settled", cmd["name"]));
                }
                continue;
            }
            let text = cmd["text"].as_str().unwrap_or_default();
            match cmd["state"].as_str().unwrap_or_default() {
                "pending" if k == last => row.unsettled += 1,
                "pending" => row.cut_by_reload += 1,
                "rejected" => {
                    row.rejected += 1;
                    if on_server(text) > 0 {
                        row.rejected_but_stored += 1;
                    }
                }
                "resolved" if on_server(text) == 0 => row.resolved_not_stored += 1,
                "resolved" => {}
                other => row.notes.push(format!("{text}: command {other}")),
            }
        }
        for e in load["errors"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            row.notes.push(format!("page error in load {k}: {e}"));
        }
    }
    for (k, &step) in row.reloads.iter().enumerate() {
        let before: Vec<String> = (1..step)
            .flat_map(|i| [format!("v{i}"), format!("a{i}")])
            .collect();
        let shown = loads.get(k + 1).map_or(0, |after| {
            before.iter().filter(|m| after.contains_key(*m)).count()
        });
        row.history.push((shown, before.len()));
    }
    let (v, a) = (format!("v{n}"), format!("a{n}"));
    let final_resolved = all_loads
        .last()
        .and_then(|l| l["commands"].as_array())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["text"] == json!(v) && c["state"] == "resolved")
        });
    row.final_ok =
        on_server(&v) == 1 && final_resolved && loads.last().is_some_and(|l| l.get(&a) == Some(&1));
    let events: Vec<String> = all_loads
        .iter()
        .map(|l| {
            l["events"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| e["name"].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    row.notes.push(format!("events per page load: {events:?}"));
    let chats = {
        let w = lock(world);
        match t {
            Transport::Gms => w.chats.len(),
            Transport::Guest => w.guest.len(),
            Transport::Nexus => w.nexus.sessions.len(),
        }
    };
    if chats != 1 {
        row.notes.push(format!(
            "{chats} chats on the server (one was started, reloads restore it)"
        ));
    }
    Ok(())
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "transport | lost v | doubled v | lost a | doubled a | unsettled | final ok || page: lost v | doubled v | rejected | rejected but stored | resolved not stored | cut by reload | history after reload | unfired faults\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{:<9} | {:>6} | {:>9} | {:>6} | {:>9} | {:>9} | {:>8} || {:>12} | {:>9} | {:>8} | {:>19} | {:>19} | {:>13} | {:>20} | {:>14}\n",
            r.transport, r.lost_v, r.doubled_v, r.lost_a, r.doubled_a, r.unsettled, if r.final_ok { "yes" } else { "NO" },
            r.page_lost_v, r.page_doubled_v, r.rejected, r.rejected_but_stored, r.resolved_not_stored, r.cut_by_reload, r.history.iter().map(|(k, m)| format!("{k}/{m}")).collect::<Vec<_>>().join(", "), r.unfired
        ));
    }
    for r in rows {
        out.push_str(&format!("\n{}:\n", r.transport));
        for note in &r.notes {
            out.push_str(&format!("  {note}\n"));
        }
    }
    out
}

/// On GMS, guest chat and Nexus v3 under every network fault and a reload, no message is lost or doubled either way, every send settles, and the chat works afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_messages_survive_every_network_fault_on_every_transport() {
    assert!(
        standin::Roots::of_repo()
            .dist
            .join("webchatservice.min.js")
            .exists(),
        "dist/ is not built: run scripts/build.sh"
    );
    let driver = start_driver().expect("chromedriver starts");
    let (gms, guest, nexus) = tokio::join!(
        run(Transport::Gms, &driver),
        run(Transport::Guest, &driver),
        run(Transport::Nexus, &driver)
    );
    let rows = [gms, guest, nexus];
    let text = table(&rows);
    println!("{text}");
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/faults-table.txt"),
        &text,
    );
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.transport)
        .collect();
    assert!(
        failed.is_empty(),
        "lost, doubled or unsettled messages on {failed:?}:\n{text}"
    );
}
