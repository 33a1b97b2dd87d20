//! The README's complete page works (issue 17, item 16): the html block after the
//! `minimal-page` marker is taken from README.md as it is, its two script URLs and its
//! `dataURL` pointed at the stand-in (the bus stand-in `www/cxbus.js`, the built plugin, the
//! stand-in's GMS), served, and chatted on in Chromium: a start, the agent's join and
//! greeting, a message and the agent's answer.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use fantoccini::{Client, Locator};
use serde_json::json;
use support::webdriver::{browser, start_driver, wait_for};

/// What the page names, and what it is served with instead.
const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("https://your.cdn/genesys/cxbus.min.js", "/cxbus.js"),
    (
        "https://your.cdn/webchat/webchatservice.min.js",
        "/dist/webchatservice.min.js",
    ),
    (
        "'https://gms.example.com/genesys/2/chat/customer-support'",
        "location.origin + '/genesys/2/chat/customer-support'",
    ),
];

/// The README's page, with the substitutions made; an error names what is missing.
fn readme_page() -> Result<String, String> {
    let readme = include_str!("../README.md");
    let after = readme
        .split("<!-- minimal-page")
        .nth(1)
        .ok_or("README.md has no minimal-page marker")?;
    let block = after
        .split("```html\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .ok_or("no html block after the marker")?;
    let mut page = block.to_owned();
    for (from, to) in SUBSTITUTIONS {
        if !page.contains(from) {
            return Err(format!("the README's page no longer has {from}"));
        }
        page = page.replace(from, to);
    }
    Ok(page)
}

fn shown(text: &str) -> String {
    format!("Array.from(document.querySelectorAll('#transcript li')).filter(l => l.textContent === {}).length === 1", json!(text))
}

async fn chat(c: &Client, url: &str) -> Result<(), String> {
    c.goto(url).await.map_err(|e| e.to_string())?;
    c.find(Locator::Id("name"))
        .await
        .map_err(|e| e.to_string())?
        .send_keys("Jo")
        .await
        .map_err(|e| e.to_string())?;
    c.find(Locator::Css("#start button"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    wait_for(c, "the agent's join", &shown("An agent joined."), 15).await?;
    wait_for(
        c,
        "the agent's greeting",
        &shown("Anna: Hello Jo! I'm Anna. How can I help you?"),
        15,
    )
    .await?;
    c.find(Locator::Id("text"))
        .await
        .map_err(|e| e.to_string())?
        .send_keys("hello from the README")
        .await
        .map_err(|e| e.to_string())?;
    c.find(Locator::Css("#send button"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    wait_for(
        c,
        "the agent's answer",
        &shown("Anna: You said: hello from the README"),
        15,
    )
    .await?;
    wait_for(
        c,
        "the visitor's message",
        &shown("Jo: hello from the README"),
        5,
    )
    .await?;
    Ok(())
}

/// The README's complete page, copied as it is, starts a chat, shows the agent's messages and sends one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_page_chats() {
    let page = readme_page().expect("the README's page");
    let repo = standin::Roots::of_repo();
    let www = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-page");
    std::fs::create_dir_all(&www).expect("a scratch www/");
    std::fs::write(www.join("index.html"), page).expect("the page written");
    std::fs::copy(repo.www.join("cxbus.js"), www.join("cxbus.js"))
        .expect("the bus stand-in copied");
    let server =
        support::webdriver::standin_with_agent(standin::Roots { www, ..repo }, 200, 100, 300).await;
    let driver = start_driver().expect("chromedriver starts");
    let client = browser(&driver).await.expect("a browser session opens");
    let outcome = chat(&client, &format!("{}/", server.url())).await;
    let _ = client.close().await;
    outcome.expect("the README's page chats");
}
