//! The bus stand-in (`www/cxbus.js`) checked against spec/webchatservice.md §1 in a real
//! Chromium: tests written against a friendlier bus than CXBus would prove nothing.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::webdriver::{browser, start_driver, wait_for};

async fn run(c: &fantoccini::Client, base: &str) -> Result<serde_json::Value, String> {
    c.goto(&format!("{base}/test/cxbus-spec.html")).await.map_err(|e| e.to_string())?;
    wait_for(c, "the checks", "window.checksDone && window.checksDone()", 10).await?;
    // Let the never-settling checks' timers pass, then read every result.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    c.execute("return window.results;", vec![]).await.map_err(|e| e.to_string())
}

/// Every §1 behaviour the checks page exercises holds: async FIFO, buffering, befores, sticky, data, deferreds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_standin_behaves_like_cxbus() {
    let server = standin::start(0, standin::Roots::of_repo()).await.expect("stand-in starts");
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = run(&client, &server.url()).await;
    let _ = client.close().await;
    let results = outcome.expect("the checks ran");
    let list = results.as_array().expect("a list of results");
    let failed: Vec<_> = list.iter().filter(|r| r[1] != true).collect();
    assert!(list.len() >= 35, "only {} checks reported", list.len());
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
}
