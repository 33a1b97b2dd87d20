//! Uploads at and over the advertised limits (issue 17, item 15): a GMS file of exactly
//! `upload-max-file-size` (2 MiB) and a Nexus image of exactly 1 MiB are accepted; anything
//! bigger gets that transport's own "too big" refusal (GMS code 202, Nexus
//! `LIMIT_FILE_SIZE`), not a multipart parsing error from the framework's body limit.

mod http;

use http::{send, Reply};
use serde_json::Value;

const FORM: (&str, &str) = (
    "Content-Type",
    "application/x-www-form-urlencoded; charset=UTF-8",
);
const BOUNDARY: &str = "----standin-upload-test";
const MIB: usize = 1024 * 1024;

async fn server() -> standin::Running {
    let s = standin::start(0, standin::Roots::of_repo())
        .await
        .expect("starts");
    standin::world::lock(&s.world).agent.auto = false;
    s
}

/// A multipart body: the text fields, then a file part `file` of `size` bytes.
fn multipart(fields: &[(&str, &str)], file_name: &str, mime: &str, size: usize) -> String {
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {mime}\r\n\r\n"));
    body.push_str(&"a".repeat(size));
    body.push_str(&format!("\r\n--{BOUNDARY}--\r\n"));
    body
}

const MULTIPART: (&str, &str) = (
    "Content-Type",
    "multipart/form-data; boundary=----standin-upload-test",
);

/// Starts a GMS chat and uploads a text file of `size` bytes to it.
async fn gms_upload(s: &standin::Running, size: usize) -> Reply {
    let start = send(
        s.addr,
        "POST",
        "/genesys/2/chat/svc/",
        &[FORM],
        "nickname=Jo",
    )
    .await
    .body;
    let field = |k: &str| start[k].as_str().unwrap_or_default().to_owned();
    let (alias, key, user) = (field("alias"), field("secureKey"), field("userId"));
    let body = multipart(
        &[("alias", &alias), ("secureKey", &key), ("userId", &user)],
        "notes.txt",
        "text/plain",
        size,
    );
    send(
        s.addr,
        "POST",
        &format!("/genesys/2/chat/svc/{}/file", field("chatId")),
        &[MULTIPART],
        &body,
    )
    .await
}

/// A GMS file of exactly the advertised 2 MiB is accepted and kept whole.
#[tokio::test]
async fn a_gms_file_at_the_limit_is_accepted() {
    let s = server().await;
    let r = gms_upload(&s, standin::gms::MAX_FILE_SIZE).await;
    assert_eq!(
        (r.status, r.body["statusCode"].clone()),
        (200, Value::from(0)),
        "{}",
        r.body
    );
    assert!(
        r.body["userData"]["file-id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{}",
        r.body
    );
    let w = standin::world::lock(&s.world);
    let chat = w.chats.values().next().expect("the chat");
    assert_eq!(
        chat.files.first().map(|f| f.data.len()),
        Some(standin::gms::MAX_FILE_SIZE)
    );
}

/// A GMS file one byte over 2 MiB, or many MiB over, is refused with code 202 and the limit as advice.
#[tokio::test]
async fn a_gms_file_over_the_limit_gets_code_202_at_any_size() {
    let s = server().await;
    for size in [standin::gms::MAX_FILE_SIZE + 1, 5 * MIB, 40 * MIB] {
        let r = gms_upload(&s, size).await;
        assert_eq!(r.status, 400, "{size} bytes: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], 202, "{size} bytes: {}", r.body);
        assert_eq!(
            r.body["errors"][0]["advice"],
            standin::gms::MAX_FILE_SIZE.to_string(),
            "{size} bytes"
        );
        assert!(
            r.headers.contains("content-type: application/json"),
            "{size} bytes: a JSON refusal"
        );
    }
    assert!(
        standin::world::lock(&s.world)
            .chats
            .values()
            .all(|c| c.files.is_empty()),
        "nothing was kept"
    );
}

/// Creates a Nexus session; returns its id and client key.
async fn nexus_session(s: &standin::Running) -> (String, String) {
    let r = send(
        s.addr,
        "POST",
        standin::nexus::SESSIONS,
        &[FORM],
        "data%5BfirstName%5D=Jo&data%5Bendpoint%5D=ep&operationId=op1",
    )
    .await;
    let token = r.body["data"]["clientToken"]
        .as_str()
        .expect("a client token")
        .to_owned();
    let w = standin::world::lock(&s.world);
    let id = w
        .nexus
        .tokens
        .get(&token)
        .expect("the token's session")
        .0
        .clone();
    (id, token)
}

async fn nexus_upload(s: &standin::Running, size: usize) -> Reply {
    let (id, token) = nexus_session(s).await;
    let body = multipart(&[("operationId", "op2")], "photo.png", "image/png", size);
    send(
        s.addr,
        "POST",
        &format!("{}/{id}/images", standin::nexus::SESSIONS),
        &[MULTIPART, ("x-nexus-client-key", &token)],
        &body,
    )
    .await
}

/// A Nexus image of exactly 1 MiB is accepted.
#[tokio::test]
async fn a_nexus_image_at_the_limit_is_accepted() {
    let s = server().await;
    let r = nexus_upload(&s, standin::nexus::MAX_IMAGE_BYTES).await;
    assert_eq!(
        (r.status, r.body["status"]["code"].clone()),
        (200, Value::from(0)),
        "{}",
        r.body
    );
}

/// A Nexus image over 1 MiB, even one far over the framework's default 2 MB body limit, is refused with LIMIT_FILE_SIZE.
#[tokio::test]
async fn a_nexus_image_over_the_limit_gets_limit_file_size_at_any_size() {
    let s = server().await;
    for size in [standin::nexus::MAX_IMAGE_BYTES + 1, 3 * MIB, 40 * MIB] {
        let r = nexus_upload(&s, size).await;
        assert_eq!(r.status, 400, "{size} bytes: {}", r.body);
        assert_eq!(
            r.body["status"]["code"], "LIMIT_FILE_SIZE",
            "{size} bytes: {}",
            r.body
        );
    }
}
