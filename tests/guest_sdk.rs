//! Proof that the stand-in speaks the real Genesys Cloud guest chat API: the official
//! JavaScript SDK (npm `purecloud-guest-chat-client`, pinned in tests/sdk/package.json and
//! installed by scripts/test.sh) drives it: create, attach the stream, send, page, leave.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

/// The official guest chat SDK and the stand-in agree on every call and frame it uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_guest_chat_sdk_drives_the_standin() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk");
    assert!(
        std::path::Path::new(dir).join("node_modules/purecloud-guest-chat-client").exists(),
        "the SDK is not installed: run scripts/test.sh (it runs npm ci in tests/sdk)"
    );
    let server = standin::start(0, standin::Roots::of_repo()).await.expect("stand-in starts");
    {
        let mut w = standin::world::lock(&server.world);
        w.agent.join_delay_ms = 100;
        w.agent.typing_delay_ms = 50;
        w.agent.reply_delay_ms = 100;
    }
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || Command::new("node").arg("guest_sdk.js").arg(url).current_dir(dir).output())
        .await
        .expect("the node process is awaited")
        .expect("node runs (it is on this kind of machine)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "the SDK disagrees with the stand-in:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
