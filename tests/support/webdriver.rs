//! A headless Debian Chromium driven through Debian's chromedriver, for full-page tests.
//! The driver process is killed on drop; callers close the session before asserting.

use fantoccini::{Client, ClientBuilder};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9515)
}

/// Starts chromedriver on a free loopback port and waits until it listens.
///
/// Tests run in parallel and bind port 0 too: the port picked can be taken before
/// chromedriver binds it (it then exits, while the port answers for someone else), so a
/// driver that exited is started again on another port.
pub fn start_driver() -> Result<Driver, String> {
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for _ in 0..3 {
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start {bin}: {e} (scripts/test.sh installs chromium-driver)")
            })?;
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if !matches!(driver.child.try_wait(), Ok(None)) {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // Still ours a moment later (not a driver that lost the port and exits).
                std::thread::sleep(Duration::from_millis(100));
                if matches!(driver.child.try_wait(), Ok(None)) {
                    return Ok(driver);
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err("chromedriver did not start listening within 15 s (three tries)".into())
}

/// A new headless Chromium session.
pub async fn browser(driver: &Driver) -> Result<Client, String> {
    browser_with(driver, &[]).await
}

/// A new headless Chromium session with extra command-line flags (the benchmark's
/// `--js-flags=--expose-gc` and `--enable-precise-memory-info`).
pub async fn browser_with(driver: &Driver, extra: &[&str]) -> Result<Client, String> {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=900,900",
    ];
    args.extend_from_slice(extra);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": args
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .map_err(|e| format!("cannot open a Chromium session: {e}"))
}

/// Polls a JavaScript expression until it returns a truthy value or `secs` pass.
pub async fn wait_for(
    c: &Client,
    what: &str,
    js: &str,
    secs: u64,
) -> Result<serde_json::Value, String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = serde_json::Value::Null;
    while Instant::now() < deadline {
        last = c
            .execute(&format!("return ({js});"), vec![])
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        let truthy = match &last {
            serde_json::Value::Null => false,
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
            serde_json::Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return Ok(last);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "timed out after {secs} s waiting for {what} (last value: {last})"
    ))
}

/// The stand-in serving `roots`, its scripted agent paced for tests (milliseconds before it
/// joins, before it types, before it answers).
pub async fn standin_with_agent(
    roots: standin::Roots,
    join_ms: u64,
    typing_ms: u64,
    reply_ms: u64,
) -> standin::Running {
    assert!(
        roots.dist.join("webchatservice.min.js").exists(),
        "dist/ is not built: run scripts/build.sh (scripts/test.sh does)"
    );
    let server = standin::start(0, roots).await.expect("stand-in starts");
    {
        let mut w = standin::world::lock(&server.world);
        w.agent.join_delay_ms = join_ms;
        w.agent.typing_delay_ms = typing_ms;
        w.agent.reply_delay_ms = reply_ms;
    }
    server
}
