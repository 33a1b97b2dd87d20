//! The npm package as a front-end team uses it: `npm pack` of `pkg/` (built by
//! scripts/build.sh), the tarball installed into a scratch app from the local file (no
//! registry), a usage file type-checked with `tsc --strict` (npm typescript, pinned in
//! tests/npm), bundled with esbuild (pinned), and the bundle run in headless Chromium against
//! the stand-in: start, send, receive, end.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::webdriver::{browser, start_driver, wait_for};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a program in `dir`; its output on failure.
fn run(dir: &Path, program: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program).args(args).current_dir(dir).output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(text) } else { Err(format!("{} {args:?} failed:\n{text}", program.display())) }
}

/// The scratch app: the tarball installed, checked and bundled; returns the folder to serve.
fn scratch_app() -> Result<PathBuf, String> {
    let root = repo();
    let pkg = root.join("pkg");
    if !pkg.join("package.json").exists() {
        return Err("pkg/ is not built: run scripts/build.sh (scripts/test.sh does)".into());
    }
    let bin = root.join("tests/npm/node_modules/.bin");
    if !bin.join("tsc").exists() {
        return Err("tests/npm is not installed: scripts/test.sh runs npm ci there".into());
    }
    let app = root.join("target/npm-app");
    let _ = std::fs::remove_dir_all(&app);
    std::fs::create_dir_all(app.join("out")).map_err(|e| e.to_string())?;
    let npm = PathBuf::from("npm");
    let packed = run(&pkg, &npm, &["pack", "--silent", "--pack-destination", app.to_str().unwrap_or(".")])?;
    let tarball = packed.lines().rev().find(|l| l.ends_with(".tgz")).ok_or(format!("npm pack named no tarball: {packed}"))?.trim().to_owned();
    for f in ["main.ts", "tsconfig.json", "index.html"] {
        std::fs::copy(root.join("tests/npm/app").join(f), app.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    std::fs::write(app.join("package.json"), r#"{"name":"scratch-app","private":true}"#).map_err(|e| e.to_string())?;
    run(&app, &npm, &["install", "--silent", "--no-audit", "--no-fund", "--offline", &format!("./{tarball}")])?;
    run(&app, &bin.join("tsc"), &["-p", "."])?;
    run(&app, &bin.join("esbuild"), &["main.ts", "--bundle", "--format=esm", "--outfile=out/app.js", "--log-level=warning"])?;
    // esbuild does not copy assets: the plugin's two files go next to the bundle, as the
    // package README says; the bus (on a Genesys page: widgets-core) is the demo's.
    let installed = app.join("node_modules/webchatservice-wasm");
    for f in ["webchatservice.min.js", "webchatservice_bg.wasm"] {
        std::fs::copy(installed.join(f), app.join("out").join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    std::fs::copy(root.join("www/cxbus.js"), app.join("out/cxbus.js")).map_err(|e| e.to_string())?;
    std::fs::copy(app.join("index.html"), app.join("out/index.html")).map_err(|e| e.to_string())?;
    Ok(app.join("out"))
}

/// The packed plugin installs into an app, type-checks under `tsc --strict` (wrong command data and a misspelt event are errors), bundles, and chats in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_npm_package_installs_type_checks_bundles_and_chats() {
    let served = scratch_app().expect("the scratch app builds from the tarball");
    let roots = standin::Roots { www: served, dist: repo().join("dist"), fixtures: repo().join("tests/fixtures") };
    let server = support::webdriver::standin_with_agent(roots, 200, 100, 300).await;
    let driver = start_driver().expect("chromedriver starts");
    let c = browser(&driver).await.expect("a browser session opens");
    let outcome = async {
        c.goto(&format!("{}/index.html", server.url())).await.map_err(|e| e.to_string())?;
        wait_for(&c, "the app's result", "window.appResult", 30).await
    }
    .await;
    let _ = c.close().await;
    assert_eq!(outcome, Ok(serde_json::json!("ok")), "the bundled app chatted");
    let w = standin::world::lock(&server.world);
    let chat = w.chats.values().next().expect("one chat");
    assert!(chat.ended, "the app ended the chat");
}
