//! The demo page on each transport at a phone's width (375 px) and a desktop's (900 px),
//! in a real headless Chromium (issue 17, item 14): what is shown fits the card, controls
//! that do not apply are not displayed, the status names the agent, a Nexus image shows as
//! an image, the name typed is kept. Screenshots in `target/demo-states/layout-*.png`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use support::webdriver::{browser, start_driver, wait_for};

/// A 48×48 blue PNG, the image a Nexus visitor sends.
const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 48, 0, 0, 0, 48, 8, 2,
    0, 0, 0, 216, 96, 110, 208, 0, 0, 0, 58, 73, 68, 65, 84, 120, 218, 237, 206, 65, 13, 0, 0, 8,
    4, 160, 43, 99, 50, 227, 91, 194, 22, 206, 7, 27, 1, 72, 245, 188, 18, 33, 33, 33, 33, 33, 33,
    33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 161, 59, 11, 16,
    239, 11, 196, 114, 170, 219, 99, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

async fn js(c: &Client, expr: &str) -> Result<Value, String> {
    c.execute(&format!("return ({expr});"), vec![])
        .await
        .map_err(|e| e.to_string())
}

async fn expect(c: &Client, what: &str, expr: &str) -> Result<(), String> {
    match js(c, expr).await? {
        Value::Bool(true) => Ok(()),
        other => Err(format!("{what}: {expr} is {other}")),
    }
}

/// Saves the page as `target/demo-states/layout-<name>.png`.
async fn screenshot(c: &Client, name: &str) -> Result<(), String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/demo-states");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let png = c.screenshot().await.map_err(|e| e.to_string())?;
    std::fs::write(format!("{dir}/layout-{name}.png"), png).map_err(|e| e.to_string())
}

/// Makes the page `width` CSS pixels wide (the window is sized until the viewport is).
async fn width(c: &Client, width: u32) -> Result<(), String> {
    c.set_window_size(width, 860)
        .await
        .map_err(|e| e.to_string())?;
    let inner = js(c, "window.innerWidth").await?.as_u64().unwrap_or(0) as u32;
    if inner != width {
        c.set_window_size(2 * width - inner, 860)
            .await
            .map_err(|e| e.to_string())?;
    }
    let inner = js(c, "window.innerWidth").await?;
    if inner != json!(width) {
        return Err(format!("the viewport is {inner} px wide, not {width}"));
    }
    Ok(())
}

fn status_is(text: &str) -> String {
    format!(
        "document.getElementById('status').textContent === {}",
        json!(text)
    )
}

fn count(text: &str) -> String {
    format!("Array.from(document.querySelectorAll('#transcript li')).filter(l => l.textContent.includes({})).length", json!(text))
}

/// Whether an element takes room on the page (not `display: none` by any rule).
fn displayed(id: &str) -> String {
    format!("document.getElementById('{id}').getClientRects().length > 0")
}

/// Every displayed composer control, and the composer itself, lies within the card, and
/// nothing makes the page scroll sideways.
const FITS: &str = "(() => {
  const card = document.querySelector('.chat').getBoundingClientRect();
  const inside = (el) => { const r = el.getBoundingClientRect(); return r.left >= card.left - 0.5 && r.right <= card.right + 0.5; };
  const shown = ['send-form', 'message', 'send', 'attach', 'end'].map(id => document.getElementById(id)).filter(el => el.getClientRects().length);
  return shown.every(inside) && document.documentElement.scrollWidth <= window.innerWidth;
})()";

/// The displayed buttons of the composer sit on one line, each on one line of text.
const ONE_LINE: &str = "(() => {
  const els = ['message', 'send', 'attach', 'end'].map(id => document.getElementById(id)).filter(el => el.getClientRects().length);
  const rects = els.map(el => el.getBoundingClientRect());
  const mid = (r) => (r.top + r.bottom) / 2;
  return rects.every(r => Math.abs(mid(r) - mid(rects[0])) < 4 && r.height < 40);
})()";

/// No button or label text of the composer wraps (each is no taller than one line).
const NO_WRAPPED_BUTTON: &str =
    "['send', 'attach', 'end'].map(id => document.getElementById(id)).filter(el => el.getClientRects().length).every(el => el.getBoundingClientRect().height < 40)";

async fn start(c: &Client, url: &str, name: &str) -> Result<(), String> {
    c.goto(url).await.map_err(|e| e.to_string())?;
    wait_for(
        c,
        "the start form",
        "!document.getElementById('start-form').hidden",
        15,
    )
    .await?;
    c.find(Locator::Id("nickname"))
        .await
        .map_err(|e| e.to_string())?
        .send_keys(name)
        .await
        .map_err(|e| e.to_string())?;
    c.find(Locator::Id("start"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())
}

async fn click(c: &Client, id: &str) -> Result<(), String> {
    c.find(Locator::Id(id))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())
}

async fn guest(c: &Client, base: &str) -> Result<(), String> {
    width(c, 375).await?;
    start(c, &format!("{base}/?transport=guest"), "Gwen").await?;
    wait_for(
        c,
        "the agent named in the status",
        &status_is("chatting with Anna"),
        15,
    )
    .await?;
    wait_for(
        c,
        "the agent's greeting",
        &count("Hello Gwen! I'm Anna"),
        10,
    )
    .await?;
    expect(
        c,
        "the join names the agent, once",
        &format!("{} === 1", count("Anna joined the chat")),
    )
    .await?;
    expect(
        c,
        "no nameless join",
        &format!("{} === 0", count("Someone joined")),
    )
    .await?;
    expect(
        c,
        "no Attach control on guest chat",
        &format!("!({})", displayed("attach")),
    )
    .await?;
    expect(
        c,
        "no Older messages on a new guest chat",
        &format!("!({})", displayed("older")),
    )
    .await?;
    expect(c, "the composer fits the card at 375 px", FITS).await?;
    expect(c, "no button text wraps at 375 px", NO_WRAPPED_BUTTON).await?;
    screenshot(c, "guest-375").await?;
    width(c, 900).await?;
    expect(c, "the composer on one line at 900 px", ONE_LINE).await?;
    screenshot(c, "guest-900").await?;
    // The end, then a new chat: the name typed is still there.
    click(c, "end").await?;
    wait_for(c, "ended", &status_is("chat ended"), 10).await?;
    click(c, "end").await?;
    wait_for(
        c,
        "the start form again",
        "!document.getElementById('start-form').hidden",
        5,
    )
    .await?;
    expect(
        c,
        "the name kept for the new chat",
        "document.getElementById('nickname').value === 'Gwen'",
    )
    .await?;
    Ok(())
}

async fn webmsg(c: &Client, base: &str) -> Result<(), String> {
    width(c, 375).await?;
    start(c, &format!("{base}/?transport=webmessaging"), "Wes").await?;
    wait_for(c, "the agent named in the status", &status_is("chatting with Anna"), 15).await?;
    wait_for(c, "the agent's greeting", &count("Hello Wes! I'm Anna"), 10).await?;
    expect(c, "the join names the agent, once", &format!("{} === 1", count("Anna joined the chat"))).await?;
    expect(c, "an Attach control (the deployment takes files)", &displayed("attach")).await?;
    // A bot's quick replies are buttons in the transcript.
    let input = c.find(fantoccini::Locator::Id("message")).await.map_err(|e| e.to_string())?;
    input.send_keys("/bot").await.map_err(|e| e.to_string())?;
    click(c, "send").await?;
    wait_for(c, "the quick replies", "document.querySelectorAll('#transcript .quick-reply').length === 2", 10).await?;
    expect(c, "the composer fits the card at 375 px", FITS).await?;
    expect(c, "no button text wraps at 375 px", NO_WRAPPED_BUTTON).await?;
    screenshot(c, "webmsg-375").await?;
    width(c, 900).await?;
    expect(c, "the composer on one line at 900 px", ONE_LINE).await?;
    screenshot(c, "webmsg-900").await?;
    Ok(())
}

/// Web Messaging at 375 and 900 px: the agent named, Attach shown, a bot's quick replies as buttons, the composer inside the card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_messaging_chat_on_a_phone_and_a_desktop() {
    in_browser("webmsg", async |c, s| webmsg(c, &s.url()).await).await;
}

/// Guest chat at 375 and 900 px: no Attach, no Older messages, the agent named in the join and the status, the composer inside the card, the name kept after New chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_chat_on_a_phone_and_a_desktop() {
    in_browser("guest", async |c, s| guest(c, &s.url()).await).await;
}

async fn gms(c: &Client, base: &str) -> Result<(), String> {
    width(c, 375).await?;
    start(c, &format!("{base}/"), "Jane").await?;
    wait_for(
        c,
        "the agent named in the status",
        &status_is("chatting with Anna"),
        15,
    )
    .await?;
    wait_for(
        c,
        "the agent's greeting",
        &count("Hello Jane! I'm Anna"),
        10,
    )
    .await?;
    expect(c, "Attach shown on GMS", &displayed("attach")).await?;
    expect(
        c,
        "no Older messages on GMS",
        &format!("!({})", displayed("older")),
    )
    .await?;
    expect(
        c,
        "the composer and End chat inside the card at 375 px",
        FITS,
    )
    .await?;
    expect(c, "no button text wraps at 375 px", NO_WRAPPED_BUTTON).await?;
    screenshot(c, "gms-375").await?;
    width(c, 900).await?;
    expect(
        c,
        "message, Send, Attach a file and End chat on one line at 900 px",
        ONE_LINE,
    )
    .await?;
    expect(c, "the composer inside the card at 900 px", FITS).await?;
    screenshot(c, "gms-900").await?;
    // After a reload the name is there for the next chat too.
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(
        c,
        "the restored chat",
        &count("Your chat was restored."),
        15,
    )
    .await?;
    wait_for(
        c,
        "the agent named after the restore",
        &status_is("chatting with Anna"),
        10,
    )
    .await?;
    click(c, "end").await?;
    wait_for(c, "ended", &status_is("chat ended"), 10).await?;
    click(c, "end").await?;
    wait_for(
        c,
        "the start form again",
        "!document.getElementById('start-form').hidden",
        5,
    )
    .await?;
    expect(
        c,
        "the name kept across the reload",
        "document.getElementById('nickname').value === 'Jane'",
    )
    .await?;
    Ok(())
}

/// GMS at 375 and 900 px: Attach shown, the composer and End chat inside the card, on one line when wide; the name kept after a reload and New chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gms_chat_on_a_phone_and_a_desktop() {
    in_browser("gms", async |c, s| gms(c, &s.url()).await).await;
}

async fn nexus_async(c: &Client, server: &standin::Running) -> Result<(), String> {
    let base = server.url();
    width(c, 375).await?;
    start(c, &format!("{base}/?transport=nexus&async=1"), "Ada").await?;
    wait_for(
        c,
        "the agent named in the status",
        &status_is("chatting with Anna"),
        15,
    )
    .await?;
    wait_for(c, "the agent's greeting", &count("Hello Ada! I'm Anna"), 10).await?;
    expect(
        c,
        "no Older messages on a chat started here",
        &format!("!({})", displayed("older")),
    )
    .await?;
    // An image sent shows as an image (the data URL the service hands over).
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-layout-image.png");
    std::fs::write(&path, PNG).map_err(|e| e.to_string())?;
    let file = c
        .find(Locator::Id("file"))
        .await
        .map_err(|e| e.to_string())?;
    file.send_keys(&path.to_string_lossy())
        .await
        .map_err(|e| format!("choosing the image: {e}"))?;
    let img = "document.querySelector('#transcript li img')";
    wait_for(
        c,
        "the image in the transcript",
        &format!("{img} && {img}.complete && {img}.naturalWidth === 48"),
        15,
    )
    .await?;
    expect(
        c,
        "the image is a data URL",
        &format!("{img}.src.startsWith('data:image/png')"),
    )
    .await?;
    expect(
        c,
        "no 'sent an image' text",
        &format!("{} === 0", count("sent an image")),
    )
    .await?;
    // And one the agent sends.
    let session = standin::world::lock(&server.world)
        .nexus
        .sessions
        .keys()
        .next()
        .cloned()
        .ok_or("no Nexus session")?;
    if !standin::nexus::act(&server.world, &session, "image", "") {
        return Err("the agent could not send an image".into());
    }
    wait_for(c, "the agent's image", "Array.from(document.querySelectorAll('#transcript li.msg-Agent img')).some(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/'))", 15).await?;
    expect(
        c,
        "no 'sent an image' text",
        &format!("{} === 0", count("sent an image")),
    )
    .await?;
    expect(c, "the composer fits the card at 375 px", FITS).await?;
    screenshot(c, "nexus-image-375").await?;
    // More than a page of messages (16): the agent's join is no longer on the newest page.
    for i in 1..=20 {
        standin::nexus::act(&server.world, &session, "say", &format!("line {i} of 20"));
    }
    wait_for(c, "the last line", &count("line 20 of 20"), 15).await?;
    // A reload without cookies: the page's stored token brings the chat back, the agent is
    // still named, and older messages can be fetched.
    c.delete_all_cookies().await.map_err(|e| e.to_string())?;
    width(c, 900).await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(
        c,
        "the restored chat",
        &count("Your chat was restored."),
        15,
    )
    .await?;
    wait_for(c, "the newest page restored", &count("line 20 of 20"), 10).await?;
    expect(
        c,
        "the agent's join is not on the newest page",
        &format!("{} === 0", count("Anna joined")),
    )
    .await?;
    wait_for(
        c,
        "the agent named after the async restore",
        &status_is("chatting with Anna"),
        10,
    )
    .await?;
    wait_for(
        c,
        "Older messages on a restored async chat",
        &displayed("older"),
        10,
    )
    .await?;
    expect(c, "the composer on one line at 900 px", ONE_LINE).await?;
    screenshot(c, "nexus-async-restored-900").await?;
    Ok(())
}

/// Nexus v3 async mode: a sent image shows as an <img>, Older messages only on a restored chat, the agent still named after a reload without cookies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nexus_async_chat_shows_images_and_the_agent_after_a_reload() {
    in_browser("nexus", async |c, s| nexus_async(c, s).await).await;
}

/// Runs `walk` on the demo in a fresh browser against a stand-in with a quick agent;
/// a failure leaves `target/demo-states/<name>-failed.png`.
async fn in_browser(name: &str, walk: impl AsyncFnOnce(&Client, &standin::Running) -> Result<(), String>) {
    let server = support::webdriver::standin_with_agent(standin::Roots::of_repo(), 300, 100, 300).await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = walk(&client, &server).await;
    if outcome.is_err() {
        let _ = screenshot(&client, &format!("{name}-failed")).await;
    }
    let _ = client.close().await;
    if let Err(e) = outcome {
        panic!("the {name} demo page: {e}");
    }
}
