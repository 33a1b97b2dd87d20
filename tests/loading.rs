//! Drop-in loading in a real Chromium: CXBus lazy-loads the plugin from `pluginsPath` or
//! `pluginMap` and the command that triggered the load is answered; with the name already
//! taken (the JavaScript service on the page) the plugin says so and stays idle.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::webdriver::{browser, start_driver, wait_for};

async fn check(c: &fantoccini::Client, base: &str) -> Result<(), String> {
    for page in ["test/lazy.html", "test/lazy.html?map"] {
        c.goto(&format!("{base}/{page}")).await.map_err(|e| e.to_string())?;
        let out = wait_for(c, page, "document.getElementById('out').textContent !== 'pending' && document.getElementById('out').textContent", 15).await?;
        if out != serde_json::json!("resolved {\"sessionActive\":false}") {
            return Err(format!("{page}: the lazy-loading command got {out}"));
        }
    }
    // The plugin's tag before the bus's, a command right after the bus: registered in time.
    c.goto(&format!("{base}/test/late-bus.html")).await.map_err(|e| e.to_string())?;
    let out = wait_for(c, "late-bus.html", "document.getElementById('out').textContent !== 'pending' && document.getElementById('out').textContent", 15).await?;
    if out != serde_json::json!("resolved {\"sessionActive\":false}") {
        return Err(format!("late-bus.html: the command sent right after the bus got {out}"));
    }
    c.goto(&format!("{base}/test/taken.html")).await.map_err(|e| e.to_string())?;
    let out = wait_for(c, "the JavaScript service's answer", "document.getElementById('out').textContent !== 'pending' && document.getElementById('out').textContent", 15).await?;
    if out != serde_json::json!("{\"sessionActive\":false,\"by\":\"javascript\"}") {
        return Err(format!("taken.html: got {out}"));
    }
    let said = wait_for(c, "the console notice", "window.consoleLines.find(l => l.includes('already registered'))", 10).await?;
    if !said.as_str().is_some_and(|s| s.starts_with("info:")) {
        return Err(format!("taken.html: console said {said}"));
    }
    Ok(())
}

/// CXBus lazy-loads the plugin (pluginsPath and pluginMap) and answers the triggering command; a taken name leaves it idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lazy_loading_and_a_taken_name() {
    let roots = standin::Roots::of_repo();
    assert!(roots.dist.join("webchatservice.min.js").exists(), "dist/ is not built: run scripts/build.sh");
    let server = standin::start(0, roots).await.expect("stand-in starts");
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = check(&client, &server.url()).await;
    let _ = client.close().await;
    outcome.expect("drop-in loading works");
}

/// A stand-in whose `/dist/` holds the built script and, as `webchatservice_bg.wasm`,
/// `wasm` (None: no .wasm at all, so it 404s).
async fn standin_with_wasm(case: &str, wasm: Option<&[u8]>) -> standin::Running {
    let repo = standin::Roots::of_repo();
    let script = repo.dist.join("webchatservice.min.js");
    assert!(script.exists(), "dist/ is not built: run scripts/build.sh");
    let dist = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("loading").join(case);
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).expect("a scratch dist/");
    std::fs::copy(&script, dist.join("webchatservice.min.js")).expect("the script copied");
    if let Some(bytes) = wasm {
        std::fs::write(dist.join("webchatservice_bg.wasm"), bytes).expect("the .wasm written");
    }
    standin::start(0, standin::Roots { dist, ..repo }).await.expect("stand-in starts")
}

/// Opens `test/no-wasm.html` and returns what its buffered `startChat` and its later
/// `sendMessage` settled with, each within a few seconds.
async fn settled_without_wasm(server: &standin::Running) -> Result<(String, String, String), String> {
    let driver = start_driver()?;
    let c = browser(&driver).await?;
    let outcome = async {
        c.goto(&format!("{}/test/no-wasm.html", server.url())).await.map_err(|e| e.to_string())?;
        let pending = "document.getElementById('{id}').textContent !== 'pending' && document.getElementById('{id}').textContent";
        let start = wait_for(&c, "the startChat sent before the failure", &pending.replace("{id}", "out"), 8).await?;
        let later = wait_for(&c, "the sendMessage sent after it", &pending.replace("{id}", "later"), 8).await?;
        let wasm_url = c.execute("return location.origin + '/dist/webchatservice_bg.wasm';", vec![]).await.map_err(|e| e.to_string())?;
        Ok((start.as_str().unwrap_or_default().to_owned(), later.as_str().unwrap_or_default().to_owned(), wasm_url.as_str().unwrap_or_default().to_owned()))
    }
    .await;
    let _ = c.close().await;
    outcome
}

fn expect_refused(case: &str, (start, later, url): (String, String, String)) {
    let want = format!("rejected {}", serde_json::json!(format!("WebChatService could not load: {url}")));
    assert_eq!(start, want, "{case}: the startChat buffered before the failure");
    assert_eq!(later, want, "{case}: a command sent after the failure");
}

/// A .wasm that 404s: a startChat sent at once, and a command sent later, reject "WebChatService could not load: <url>".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_wasm_refuses_every_command() {
    let server = standin_with_wasm("missing", None).await;
    expect_refused("404", settled_without_wasm(&server).await.expect("the page answers"));
}

/// A .wasm that is garbage (served as application/wasm): every command rejects with the could-not-load text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_wasm_refuses_every_command() {
    let server = standin_with_wasm("garbage", Some(b"\0asm this is not a WebAssembly module")).await;
    expect_refused("garbage", settled_without_wasm(&server).await.expect("the page answers"));
}

/// The loader's fallback list of command names is the plugin's (COMMAND_NAMES), so no command is left unanswered.
#[test]
fn the_loader_refuses_every_command_the_plugin_answers() {
    let loader = include_str!("../www/loader.js");
    let list = loader.split("var COMMANDS = [").nth(1).and_then(|s| s.split("];").next()).expect("the loader's COMMANDS list");
    let names: Vec<&str> = list.split(',').map(|n| n.trim().trim_matches('\'')).collect();
    assert_eq!(names, webchatservice::engine::command::COMMAND_NAMES);
}
