//! Benchmark (prints figures, asserts nothing about time): in headless Chromium, the
//! plugin's bytes (gzip -9 of dist/), the memory loading it adds (JS heap after GC + wasm
//! memory; GMS, guest chat, web messaging), its start-up (.wasm arrived →
//! `WebChatService.ready`), the ingest of a restored 2,000-message GMS transcript through 50
//! prefilters and a preprocessor (refresh answer arrived → `messageReceived` delivered), the
//! ingest of 2,000 and 10,000 agent messages in a running chat on GMS and guest chat and of
//! 2,000 on web messaging (time and memory retained, as `../shared/conformance/perf.mjs`
//! measures them), and for guest chat the frame → event latency and the time to reconnect
//! after the server drops the stream (`www/test/bench-*.html?t=gms|guest|webmsg`). Budgets
//! (design.md §7, issue 7): 65 KB gzip, 137 KB at load, 50 ms start-up (goal 20), 20 ms
//! restore, 1 ms per message, a 10,000-message transcript under 10 MB.

/// `wasm-pack test` builds every test target for wasm32 too; there is nothing to run there.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod support;

#[cfg(not(target_arch = "wasm32"))]
use support::webdriver::{browser_with, start_driver, wait_for};

#[cfg(not(target_arch = "wasm32"))]
const LOADS: usize = 5;
#[cfg(not(target_arch = "wasm32"))]
const MESSAGES: u64 = 2000;

#[cfg(not(target_arch = "wasm32"))]
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[cfg(not(target_arch = "wasm32"))]
async fn measure(c: &fantoccini::Client, server: &standin::Running) -> Result<(Vec<f64>, Vec<f64>, u64), String> {
    let base = server.url();
    c.goto(&format!("{base}/test/bench.html?setup")).await.map_err(|e| e.to_string())?;
    wait_for(c, "the chat to start", "window.bench.done", 20).await?;
    let chat_id = standin::world::lock(&server.world).chats.keys().next().cloned().ok_or("no chat")?;
    {
        let mut w = standin::world::lock(&server.world);
        let chat = w.chats.get_mut(&chat_id).ok_or("no chat")?;
        for i in 0..MESSAGES {
            chat.push(serde_json::json!({"from": {"nickname": "Anna", "participantId": 2, "type": "Agent"},
                "type": "Message", "text": format!("Message number {i} with a little text in it, like a real one.")}));
        }
    }
    let (mut startup, mut ingest, mut count) = (Vec::new(), Vec::new(), 0);
    for _ in 0..LOADS {
        c.goto(&format!("{base}/test/bench.html")).await.map_err(|e| e.to_string())?;
        let r = wait_for(c, "the restore", "window.bench.done && window.bench", 30).await?;
        startup.push(r["startup"].as_f64().ok_or("no startup figure")?);
        ingest.push(r["ingest"].as_f64().ok_or("no ingest figure")?);
        count = r["messages"].as_u64().unwrap_or(0);
    }
    Ok((startup, ingest, count))
}

/// Guest chat: 100 agent messages one by one (latency of each), then 5 stream drops, each
/// after a held connection.
#[cfg(not(target_arch = "wasm32"))]
async fn measure_guest(c: &fantoccini::Client, server: &standin::Running) -> Result<(Vec<f64>, Vec<f64>), String> {
    c.goto(&format!("{}/test/bench-guest.html", server.url())).await.map_err(|e| e.to_string())?;
    wait_for(c, "the guest chat to start", "window.bench.started", 20).await?;
    let conv = standin::world::lock(&server.world).guest.keys().next().cloned().ok_or("no conversation")?;
    standin::guest_agent::agent_join(&server.world, &conv);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for i in 0..100 {
        standin::guest_agent::agent_says(&server.world, &conv, &format!("bench {i}"));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    wait_for(c, "100 latencies", "window.bench.latencies.length >= 100", 20).await?;
    for i in 0..5 {
        if let Some(cv) = standin::world::lock(&server.world).guest.get_mut(&conv) {
            cv.close_streams();
        }
        wait_for(c, "the reconnect", &format!("window.bench.reconnects.length >= {}", i + 1), 30).await?;
        // A frame on the new stream shows the connection held, so the next drop is a
        // fresh outage (first retry after 250-500 ms), not a flapping one that backs off.
        standin::guest_agent::agent_says(&server.world, &conv, &format!("held {i}"));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let r = c.execute("return window.bench;", vec![]).await.map_err(|e| e.to_string())?;
    let nums = |k: &str| r[k].as_array().map(|a| a.iter().filter_map(|v| v.as_f64()).collect()).unwrap_or_default();
    Ok((nums("latencies"), nums("reconnects")))
}

/// The bench page `kind` ("load" or "ingest") for a transport ("gms", "guest", "webmsg").
#[cfg(not(target_arch = "wasm32"))]
fn bench_page(server: &standin::Running, transport: &str, kind: &str) -> String {
    format!("{}/test/bench-{kind}.html?t={transport}", server.url())
}

/// gzip -9 size of a file, by the system's gzip (as scripts/size.sh counts).
#[cfg(not(target_arch = "wasm32"))]
fn gzip_size(path: &std::path::Path) -> Result<(u64, u64), String> {
    let raw = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    let out = std::process::Command::new("gzip").arg("-9").arg("-c").arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    Ok((raw, out.stdout.len() as u64))
}

/// Memory added by loading the plugin (median of LOADS page loads): (total, JS heap, wasm).
#[cfg(not(target_arch = "wasm32"))]
async fn measure_load(c: &fantoccini::Client, server: &standin::Running, transport: &str) -> Result<(f64, f64, f64), String> {
    let (mut total, mut heap, mut wasm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..LOADS {
        standin::world::lock(&server.world).reset();
        c.goto(&bench_page(server, transport, "load")).await.map_err(|e| e.to_string())?;
        let r = wait_for(c, "the plugin to load", "window.bench.done && window.bench", 20).await?;
        let f = |side: &str, k: &str| r[side][k].as_f64().unwrap_or(f64::NAN);
        total.push(f("after", "total") - f("before", "total"));
        heap.push(f("after", "heap") - f("before", "heap"));
        wasm.push(f("after", "wasm") - f("before", "wasm"));
    }
    Ok((median(total), median(heap), median(wasm)))
}

/// One burst of `n` agent messages in a running chat: (ms to the last messageReceived,
/// retained bytes after GC, of which wasm memory growth).
#[cfg(not(target_arch = "wasm32"))]
async fn ingest_once(c: &fantoccini::Client, server: &standin::Running, transport: &str, n: usize) -> Result<(f64, f64, f64), String> {
    standin::world::lock(&server.world).reset();
    standin::world::lock(&server.world).agent.auto = false;
    c.goto(&bench_page(server, transport, "ingest")).await.map_err(|e| e.to_string())?;
    wait_for(c, "the chat to start", "window.bench.started", 20).await?;
    let guest = transport == "guest";
    let conv = match transport {
        "guest" => standin::world::lock(&server.world).guest.keys().next().cloned().ok_or("no conversation")?,
        "webmsg" => standin::world::lock(&server.world).webmsg.sessions.keys().next().cloned().ok_or("no web messaging session")?,
        _ => String::new(),
    };
    if guest {
        standin::guest_agent::agent_join(&server.world, &conv);
    } else if transport == "webmsg" {
        standin::webmsg_agent::join(&server.world, &conv);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    c.execute(&format!("return window.bench.arm({n});"), vec![]).await.map_err(|e| e.to_string())?;
    if guest {
        for i in 0..n {
            standin::guest_agent::agent_says(&server.world, &conv, &format!("bulk agent message {i} with some text in it"));
        }
    } else if transport == "webmsg" {
        // Each is an Outbound StructuredMessage frame on the session's socket (and kept
        // for its history), as the stand-in's agent sends them.
        for i in 0..n {
            standin::webmsg_agent::say(&server.world, &conv, &format!("bulk agent message {i} with some text in it"));
        }
    } else {
        let mut w = standin::world::lock(&server.world);
        let chat = w.chats.values_mut().next().ok_or("no chat")?;
        for i in 0..n {
            chat.push(serde_json::json!({"from": {"nickname": "Anna", "participantId": 2, "type": "Agent"},
                "type": "Message", "text": format!("bulk agent message {i} with some text in it")}));
        }
    }
    let r = wait_for(c, "the burst to be published", "window.bench.done && window.bench", 120).await?;
    let f = |side: &str, k: &str| r[side][k].as_f64().unwrap_or(f64::NAN);
    Ok((r["ms"].as_f64().unwrap_or(f64::NAN), f("after", "total") - f("before", "total"), f("after", "wasm") - f("before", "wasm")))
}

#[cfg(not(target_arch = "wasm32"))]
const INGEST_RUNS: usize = 3;

#[cfg(not(target_arch = "wasm32"))]
async fn measure_ingest(c: &fantoccini::Client, server: &standin::Running, transport: &str, n: usize) -> Result<(f64, f64, f64), String> {
    let (mut ms, mut kept, mut wasm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..INGEST_RUNS {
        let (a, b, w) = ingest_once(c, server, transport, n).await?;
        ms.push(a);
        kept.push(b);
        wasm.push(w);
    }
    Ok((median(ms), median(kept), median(wasm)))
}

#[cfg(not(target_arch = "wasm32"))]
fn kb(bytes: f64) -> String {
    format!("{:.0} KB", bytes / 1024.0)
}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let roots = standin::Roots::of_repo();
    if !roots.dist.join("webchatservice.min.js").exists() {
        eprintln!("bench: dist/ is not built: run scripts/build.sh");
        std::process::exit(1);
    }
    let server = standin::start(0, roots).await.expect("stand-in starts");
    standin::world::lock(&server.world).agent.auto = false;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser_with(&driver, &["--js-flags=--expose-gc", "--enable-precise-memory-info"]).await.expect("a browser session opens");
    let mut loads = Vec::new();
    let mut ingests = Vec::new();
    for (transport, sizes) in [("gms", &[2000, 10000][..]), ("guest", &[2000, 10000]), ("webmsg", &[2000])] {
        loads.push((transport, measure_load(&client, &server, transport).await));
        for &n in sizes {
            ingests.push((transport, n, measure_ingest(&client, &server, transport, n).await));
        }
    }
    standin::world::lock(&server.world).reset();
    standin::world::lock(&server.world).agent.auto = false;
    let outcome = measure(&client, &server).await;
    let guest = measure_guest(&client, &server).await;
    let _ = client.close().await;
    let (startup, ingest, count) = outcome.expect("the benchmark runs");
    let (latencies, reconnects) = guest.expect("the guest benchmark runs");
    let dist = standin::Roots::of_repo().dist;
    let mut total = (0, 0);
    for file in ["webchatservice.min.js", "webchatservice_bg.wasm"] {
        let (raw, gz) = gzip_size(&dist.join(file)).expect("dist/ is readable");
        println!("bench: bytes {file}: {raw} B raw, {gz} B gzip -9");
        total = (total.0 + raw, total.1 + gz);
    }
    println!("bench: bytes deployable folder: {} B raw, {} B gzip -9 (goal 65 KB = 66,560 B)", total.0, total.1);
    for (transport, r) in loads {
        let (all, heap, wasm) = r.expect("the load benchmark runs");
        println!("bench: memory added by loading ({transport}): {} (JS heap {}, wasm memory {}), median of {LOADS} loads (goal <= 137 KB)", kb(all), kb(heap), kb(wasm));
    }
    for (transport, n, r) in ingests {
        let (ms, kept, wasm) = r.expect("the ingest benchmark runs");
        println!("bench: ingest {n} agent messages ({transport}): {ms:.0} ms to the last messageReceived, {} retained after GC (wasm memory growth {}), median of {INGEST_RUNS}", kb(kept), kb(wasm));
    }
    println!("bench: start-up (.wasm arrived -> ready): median {:.1} ms over {LOADS} loads (budget 50 ms); all: {startup:.1?}", median(startup.clone()));
    println!("bench: restore ingest ({count} messages published, 50 prefilters, 1 preprocessor): median {:.1} ms over {LOADS} loads (budget 20 ms); all: {ingest:.1?}", median(ingest.clone()));
    let max = latencies.iter().cloned().fold(0.0, f64::max);
    println!("bench: guest frame -> messageReceived: median {:.2} ms, max {max:.2} ms over {} frames (budget 1 ms overhead per message)", median(latencies.clone()), latencies.len());
    println!("bench: guest reconnect after a dropped stream (close seen -> reconnected): median {:.0} ms; all: {reconnects:.0?}", median(reconnects.clone()));
}
