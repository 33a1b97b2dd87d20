//! End to end: a real headless Chromium (WebDriver) loads the demo page from the stand-in
//! with the one-script-tag installation, chats with the scripted agent, reloads mid-chat,
//! finds the transcript restored exactly once and the chat going on, then ends it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::{Client, Locator};
use support::webdriver::{browser, start_driver, wait_for};

fn transcript_count(text: &str) -> String {
    format!(
        "Array.from(document.querySelectorAll('#transcript li')).filter(l => l.textContent.includes({})).length",
        serde_json::to_string(text).unwrap_or_default()
    )
}

/// Opens the demo at `url`, fills the name, starts a chat.
async fn start_chat(c: &Client, url: &str, name: &str) -> Result<(), String> {
    c.goto(url).await.map_err(|e| e.to_string())?;
    wait_for(c, "the start form", "!document.getElementById('start-form').hidden", 15).await?;
    c.find(Locator::Id("nickname")).await.map_err(|e| e.to_string())?.send_keys(name).await.map_err(|e| e.to_string())?;
    c.find(Locator::Id("start")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())
}

/// Clicks "End chat" and waits for the page to say the chat ended.
async fn end_chat(c: &Client) -> Result<(), String> {
    c.find(Locator::Id("end")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    wait_for(c, "the end of the chat", &transcript_count("The chat has ended."), 10).await?;
    Ok(())
}

/// The stand-in with the built plugin and a quick scripted agent.
async fn quick_standin() -> standin::Running {
    support::webdriver::standin_with_agent(standin::Roots::of_repo(), 200, 100, 300).await
}

async fn send(c: &Client, text: &str) -> Result<(), String> {
    let input = c.find(Locator::Id("message")).await.map_err(|e| format!("message box: {e}"))?;
    input.send_keys(text).await.map_err(|e| format!("typing: {e}"))?;
    c.find(Locator::Id("send")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())
}

async fn chat_and_reload(c: &Client, base: &str) -> Result<(), String> {
    start_chat(c, &format!("{base}/"), "Jane").await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Jane! I'm Anna"), 15).await?;
    send(c, "first question").await?;
    wait_for(c, "the agent's answer", &transcript_count("You said: first question"), 15).await?;

    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the restored transcript", &transcript_count("You said: first question"), 15).await?;
    wait_for(c, "the restored notice", &transcript_count("Your chat was restored."), 5).await?;
    // Give late polls a moment, then check that nothing was shown twice.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for text in ["Hello Jane! I'm Anna", "first question", "You said: first question"] {
        let n = c.execute(&format!("return {};", transcript_count(text)), vec![]).await.map_err(|e| e.to_string())?;
        if n != serde_json::json!(if text == "first question" { 2 } else { 1 }) {
            return Err(format!("after reload '{text}' appears {n} times"));
        }
    }
    send(c, "after reload").await?;
    wait_for(c, "the answer after reload", &transcript_count("You said: after reload"), 15).await?;
    send_and_download_a_file(c).await?;
    // For people: what the chat looked like (target/e2e-chat.png).
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/target/e2e-chat.png"), png);
    }
    end_chat(c).await
}

/// Attaches a file in the demo (GMS upload), waits for it in the transcript, and clicks
/// its Download button (the shipped form POST in a new window).
async fn send_and_download_a_file(c: &Client) -> Result<(), String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/e2e-upload.txt");
    std::fs::write(path, "a file from the e2e test\n").map_err(|e| format!("writing {path}: {e}"))?;
    let input = c.find(Locator::Id("file")).await.map_err(|e| format!("file input: {e}"))?;
    input.send_keys(path).await.map_err(|e| format!("choosing the file: {e}"))?;
    wait_for(c, "the uploaded file in the transcript", &transcript_count("sent a file: e2e-upload.txt"), 15).await?;
    c.find(Locator::Css("#transcript .download")).await.map_err(|e| format!("download button: {e}"))?.click().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// A visitor chats with the agent, reloads the page mid-chat, sends a file and downloads it, and carries on in the same chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_chats_reloads_and_keeps_the_chat() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = chat_and_reload(&client, &server.url()).await;
    let _ = client.close().await;
    outcome.expect("the chat survives a reload");

    let w = standin::world::lock(&server.world);
    let chat = w.chats.values().next().expect("one chat was requested");
    assert!(chat.ended, "endChat disconnected the chat on the server");
    let sent: Vec<_> = chat
        .transcript
        .iter()
        .filter(|m| m["type"] == "Message" && m["from"]["type"] == "Client")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent, ["first question", "after reload"], "each message reached the server exactly once");
    assert_eq!(chat.files.len(), 1, "the attached file was uploaded once");
    assert_eq!(chat.files[0].data, b"a file from the e2e test\n", "the server got the file's bytes");
    assert_eq!(chat.downloads, 1, "the Download button fetched it from the server");
    assert_eq!(w.chats.len(), 1, "the reload restored the chat instead of starting another");
}

async fn guest_chat(c: &Client, server: &standin::Running) -> Result<(), String> {
    let base = server.url();
    start_chat(c, &format!("{base}/?transport=guest"), "Gwen").await?;
    wait_for(c, "no file control on guest chat", "document.getElementById('attach').hidden", 10).await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Gwen! I'm Anna"), 15).await?;
    send(c, "over the socket").await?;
    wait_for(c, "the agent's answer", &transcript_count("You said: over the socket"), 15).await?;
    send(c, "/notice").await?;
    wait_for(c, "the notice", &transcript_count("This is a system notice."), 15).await?;

    // The server drops the event stream; the plugin reconnects by itself (as shipped, a
    // closed stream publishes no `disconnected`, only `reconnected` once it is back).
    let conv = standin::world::lock(&server.world).guest.keys().next().cloned().ok_or("no conversation")?;
    standin::world::lock(&server.world).guest.get_mut(&conv).ok_or("no conversation")?.close_streams();
    send(c, "typed during the drop").await?;
    wait_for(c, "the answer after reconnecting", &transcript_count("You said: typed during the drop"), 20).await?;

    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the restored transcript", &transcript_count("You said: typed during the drop"), 15).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    for (text, n) in [("Hello Gwen! I'm Anna", 1), ("You said: over the socket", 1), ("typed during the drop", 2)] {
        let got = c.execute(&format!("return {};", transcript_count(text)), vec![]).await.map_err(|e| e.to_string())?;
        if got != serde_json::json!(n) {
            return Err(format!("after reload '{text}' appears {got} times"));
        }
    }
    send(c, "after reload").await?;
    wait_for(c, "the answer after reload", &transcript_count("You said: after reload"), 15).await?;
    end_chat(c).await
}

/// Nexus v3 on the demo page: the greeting, a message and its answer, a reload that
/// restores the transcript once, one more message, the end.
async fn nexus_chat(c: &Client, base: &str) -> Result<(), String> {
    start_chat(c, &format!("{base}/?transport=nexus"), "Nina").await?;
    wait_for(c, "the Nexus label", "document.getElementById('transport').textContent === '(Nexus v3)'", 10).await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Nina! I'm Anna"), 15).await?;
    send(c, "over nexus").await?;
    wait_for(c, "the agent's answer", &transcript_count("You said: over nexus"), 15).await?;
    send(c, "/notice").await?;
    wait_for(c, "the notice", &transcript_count("This is a system notice."), 15).await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the restored transcript", &transcript_count("You said: over nexus"), 15).await?;
    wait_for(c, "the restored notice", &transcript_count("Your chat was restored."), 5).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for text in ["Hello Nina! I'm Anna", "You said: over nexus"] {
        let n = c.execute(&format!("return {};", transcript_count(text)), vec![]).await.map_err(|e| e.to_string())?;
        if n != serde_json::json!(1) {
            return Err(format!("after reload '{text}' appears {n} times"));
        }
    }
    send(c, "after the reload").await?;
    wait_for(c, "the answer after reload", &transcript_count("You said: after the reload"), 15).await?;
    end_chat(c).await
}

/// What the visitor sent in a Nexus session, as the server holds it.
fn nexus_visitor_texts(s: &standin::nexus::NexusSession) -> Vec<String> {
    s.messages.iter().filter(|m| m["type"] == "Text" && m["from"]["type"] == "Customer").map(|m| m["text"].as_str().unwrap_or_default().to_owned()).collect()
}

/// A visitor on Nexus v3 chats, reloads mid-chat, goes on in the same session and ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nexus_chat_survives_a_reload() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = nexus_chat(&client, &server.url()).await;
    let _ = client.close().await;
    outcome.expect("the Nexus chat survives a reload");
    let w = standin::world::lock(&server.world);
    assert_eq!(w.nexus.sessions.len(), 1, "the reload restored the session instead of creating another");
    let s = w.nexus.sessions.values().next().expect("one session");
    let sent = nexus_visitor_texts(s);
    assert_eq!(sent, ["over nexus", "/notice", "after the reload"], "each message reached the server exactly once");
    assert!(s.ended, "endChat deleted the visitor");
}

/// Genesys Cloud guest chat on the demo page: chat, the stream dropped mid-chat, a message typed then, a reload, the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_chat_survives_a_dropped_stream_and_a_reload() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = guest_chat(&client, &server).await;
    let _ = client.close().await;
    outcome.expect("the guest chat survives a drop and a reload");
    let w = standin::world::lock(&server.world);
    assert_eq!(w.guest.len(), 1, "the reload restored the conversation instead of creating another");
    let conv = w.guest.values().next().expect("one conversation");
    let sent: Vec<_> = conv.messages.iter()
        .filter(|m| m["sender"]["id"] == serde_json::json!(conv.customer) && m["bodyType"] == "standard")
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(sent, ["over the socket", "/notice", "typed during the drop", "after reload"], "each message reached the server once");
    assert!(conv.ended, "endChat left the conversation");
}

/// How many list items of the transcript contain `text`, in the window `c` looks at.
async fn shown(c: &Client, text: &str) -> Result<serde_json::Value, String> {
    c.execute(&format!("return {};", transcript_count(text)), vec![]).await.map_err(|e| e.to_string())
}

/// Nexus v3 async mode on the demo page: the chat is kept by the page's functions (no
/// keys cookie), comes back after the cookies are gone by the stored token, pages back to
/// the first message and goes on.
async fn nexus_async_chat(c: &Client, base: &str) -> Result<(), String> {
    start_chat(c, &format!("{base}/?transport=nexus&async=1"), "Ada").await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Ada! I'm Anna"), 15).await?;
    send(c, "kept by the page").await?;
    wait_for(c, "the agent's answer", &transcript_count("You said: kept by the page"), 15).await?;
    wait_for(c, "the token with the page", "(JSON.parse(localStorage.getItem('demo.nexus.session') || '{}').token || '').split('.').length === 3", 5).await?;
    if c.execute("return document.cookie.includes('pureengage-v3-rest.keys');", vec![]).await.map_err(|e| e.to_string())? != serde_json::json!(false) {
        return Err("async mode wrote the keys cookie".into());
    }
    c.delete_all_cookies().await.map_err(|e| e.to_string())?;
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the transcript restored by the stored token", &transcript_count("You said: kept by the page"), 15).await?;
    wait_for(c, "the restored notice", &transcript_count("Your chat was restored."), 5).await?;
    wait_for(c, "the history button", "!document.getElementById('older').hidden", 5).await?;
    for _ in 0..3 {
        if c.execute("return document.getElementById('older').hidden;", vec![]).await.map_err(|e| e.to_string())? == serde_json::json!(true) {
            break;
        }
        c.find(Locator::Id("older")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    }
    wait_for(c, "the end of the history", "document.getElementById('older').hidden", 10).await?;
    for text in ["Hello Ada! I'm Anna", "You said: kept by the page"] {
        if shown(c, text).await? != serde_json::json!(1) {
            return Err(format!("after the restore and the history '{text}' appears {} times", shown(c, text).await?));
        }
    }
    send(c, "after the reload").await?;
    wait_for(c, "the answer after reload", &transcript_count("You said: after the reload"), 15).await?;
    end_chat(c).await
}

/// A visitor on Nexus v3 in async mode: the page keeps the chat, a reload without cookies brings it back, history pages to the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nexus_async_chat_is_kept_by_the_page() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = nexus_async_chat(&client, &server.url()).await;
    let _ = client.close().await;
    outcome.expect("the async chat survives a reload without cookies");
    let w = standin::world::lock(&server.world);
    assert_eq!(w.nexus.sessions.len(), 1, "the stored token re-attached to the session instead of creating another");
    let s = w.nexus.sessions.values().next().expect("one session");
    let sent = nexus_visitor_texts(s);
    assert_eq!(sent, ["kept by the page", "after the reload"], "each message reached the server exactly once");
}

/// Two tabs on one Nexus session: the second restores from the cookies, each message
/// either tab sends is answered, and both tabs show every answer exactly once.
async fn two_tabs(c: &Client, base: &str) -> Result<(), String> {
    start_chat(c, &format!("{base}/?transport=nexus"), "Tia").await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Tia! I'm Anna"), 15).await?;
    let first = c.window().await.map_err(|e| e.to_string())?;
    let second = c.new_window(true).await.map_err(|e| e.to_string())?.handle;
    c.switch_to_window(second.clone()).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{base}/?transport=nexus")).await.map_err(|e| e.to_string())?;
    wait_for(c, "the chat restored in the second tab", &transcript_count("Hello Tia! I'm Anna"), 15).await?;
    send(c, "from the second tab").await?;
    wait_for(c, "the answer in the second tab", &transcript_count("You said: from the second tab"), 15).await?;
    c.switch_to_window(first.clone()).await.map_err(|e| e.to_string())?;
    wait_for(c, "the answer in the first tab", &transcript_count("You said: from the second tab"), 15).await?;
    send(c, "from the first tab").await?;
    wait_for(c, "the answer in the first tab", &transcript_count("You said: from the first tab"), 15).await?;
    c.switch_to_window(second).await.map_err(|e| e.to_string())?;
    wait_for(c, "the answer in the second tab", &transcript_count("You said: from the first tab"), 15).await?;
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    for window in [first.clone(), c.window().await.map_err(|e| e.to_string())?] {
        c.switch_to_window(window).await.map_err(|e| e.to_string())?;
        for text in ["Hello Tia! I'm Anna", "You said: from the second tab", "You said: from the first tab"] {
            let n = shown(c, text).await?;
            if n != serde_json::json!(1) {
                return Err(format!("a tab shows '{text}' {n} times"));
            }
        }
    }
    Ok(())
}

/// Two tabs on one Nexus v3 session: neither misses nor doubles a message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_on_one_nexus_session_see_every_message_once() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = two_tabs(&client, &server.url()).await;
    let _ = client.close().await;
    outcome.expect("both tabs see every message once");
    let w = standin::world::lock(&server.world);
    assert_eq!(w.nexus.sessions.len(), 1, "the second tab restored the session instead of creating another");
}

/// The visitor's texts a web messaging session took, in order.
fn webmsg_visitor_texts(w: &standin::world::World) -> Vec<String> {
    let s = w.webmsg.sessions.values().next().map(|s| s.messages.clone()).unwrap_or_default();
    s.iter()
        .filter(|m| m["direction"] == "Inbound" && (m["type"] == "Text" || m["type"] == "Structured"))
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Web messaging on the demo page: the greeting, a message, a dropped socket while the
/// agent says something, a reload, a second tab, a file, the end.
async fn webmsg_chat(c: &Client, server: &standin::Running) -> Result<(), String> {
    webmsg_visit(c, server).await?;
    // What the server took, before the end clears the conversation.
    webmsg_server_took(server)?;
    end_chat(c).await?;
    // Ending in one tab ends it in the other.
    let handles = c.windows().await.map_err(|e| e.to_string())?;
    let current = c.window().await.map_err(|e| e.to_string())?;
    let other = handles.into_iter().find(|h| *h != current).ok_or("the second tab is gone")?;
    c.switch_to_window(other).await.map_err(|e| e.to_string())?;
    wait_for(c, "the end in the other tab", &transcript_count("The chat has ended."), 15).await?;
    if !standin::world::lock(&server.world).webmsg.sessions.is_empty() {
        return Err("endChat left the conversation on the server".into());
    }
    Ok(())
}

/// One session on the server, each visitor message taken once, the file's bytes once.
fn webmsg_server_took(server: &standin::Running) -> Result<(), String> {
    let w = standin::world::lock(&server.world);
    if w.webmsg.sessions.len() != 1 {
        return Err(format!("{} sessions: the reload and the second tab must re-attach the one", w.webmsg.sessions.len()));
    }
    let texts = webmsg_visitor_texts(&w);
    if texts != ["over web messaging", "after the drop", "from the second tab", ""] {
        return Err(format!("the server took {texts:?}: each message once (the last carries the file)"));
    }
    if w.webmsg.uploads.values().filter(|u| u.data.as_deref() == Some(b"a file over web messaging\n".as_slice())).count() != 1 {
        return Err("the file's bytes were not uploaded once".into());
    }
    Ok(())
}

async fn webmsg_visit(c: &Client, server: &standin::Running) -> Result<(), String> {
    let base = server.url();
    let url = format!("{base}/?transport=webmessaging");
    start_chat(c, &url, "Wes").await?;
    wait_for(c, "the agent's greeting", &transcript_count("Hello Wes! I'm Anna"), 15).await?;
    send(c, "over web messaging").await?;
    wait_for(c, "the agent's answer", &transcript_count("You said: over web messaging"), 15).await?;

    // The sockets drop and the agent speaks while the page is cut off: the plugin
    // reconnects and reads what it missed from the history.
    let token = standin::world::lock(&server.world).webmsg.sessions.keys().next().cloned().ok_or("no session")?;
    let act = |body: serde_json::Value| standin::webmsg::act(&server.world, Some(&token), &body).map_err(|(_, e)| e);
    act(serde_json::json!({"action": "drop"}))?;
    act(serde_json::json!({"action": "agentSay", "text": "said while you were away"}))?;
    wait_for(c, "the missed message after reconnecting", &transcript_count("said while you were away"), 30).await?;
    send(c, "after the drop").await?;
    wait_for(c, "the answer after the drop", &transcript_count("You said: after the drop"), 15).await?;

    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(c, "the restored transcript", &transcript_count("You said: after the drop"), 15).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    for (text, n) in [("Hello Wes! I'm Anna", 1), ("You said: over web messaging", 1), ("said while you were away", 1), ("after the drop", 2)] {
        if shown(c, text).await? != serde_json::json!(n) {
            return Err(format!("after reload '{text}' appears {} times", shown(c, text).await?));
        }
    }

    // A second tab on the same session: what one sends shows in both, once.
    let first = c.window().await.map_err(|e| e.to_string())?;
    let second = c.new_window(true).await.map_err(|e| e.to_string())?.handle;
    c.switch_to_window(second.clone()).await.map_err(|e| e.to_string())?;
    c.goto(&url).await.map_err(|e| e.to_string())?;
    wait_for(c, "the chat restored in the second tab", &transcript_count("You said: after the drop"), 15).await?;
    send(c, "from the second tab").await?;
    wait_for(c, "the answer in the second tab", &transcript_count("You said: from the second tab"), 15).await?;
    c.switch_to_window(first.clone()).await.map_err(|e| e.to_string())?;
    wait_for(c, "the second tab's message in the first", &transcript_count("You said: from the second tab"), 15).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    for text in ["from the second tab", "You said: from the second tab"] {
        let want = if text.starts_with("from") { 2 } else { 1 };
        if shown(c, text).await? != serde_json::json!(want) {
            return Err(format!("the first tab shows '{text}' {} times", shown(c, text).await?));
        }
    }

    // A file: the presigned upload, then the message carrying it.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/e2e-webmsg.txt");
    std::fs::write(path, "a file over web messaging\n").map_err(|e| format!("writing {path}: {e}"))?;
    let input = c.find(Locator::Id("file")).await.map_err(|e| format!("file input: {e}"))?;
    input.send_keys(path).await.map_err(|e| format!("choosing the file: {e}"))?;
    wait_for(c, "the file in the transcript", &transcript_count("e2e-webmsg.txt"), 15).await?;
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/target/e2e-webmsg.png"), png);
    }
    let _ = second;
    Ok(())
}

/// A visitor on Web Messaging: a dropped socket, a reload and a second tab lose and double nothing; a file goes; the end reaches both tabs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_messaging_chat_survives_drops_reloads_and_two_tabs() {
    let server = quick_standin().await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = webmsg_chat(&client, &server).await;
    let _ = client.close().await;
    outcome.expect("the web messaging chat survives");
}
