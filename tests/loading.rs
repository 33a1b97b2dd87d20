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
