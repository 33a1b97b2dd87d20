//! The console lines that name an integrator's mistake (issue 9): a start request that
//! finds no service (404), no host or no CORS permission (no answer), or refused
//! credentials, on each transport; once per cause, prefixed, without secrets.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::page::Page;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::NetError;

const GMS: &str = r#"{"dataURL":"https://gms.test/genesys/2/chat/wrong-service","apikey":"secret-key"}"#;
const GUEST: &str = r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"https://api.test","deploymentKey":"secret-dep","orgGuid":"o","interactionData":{"routing":{"targetAddress":"Q"}}}}"#;
const NEXUS: &str = r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"https://nexus.test/nexus/v3/chat/sessionz","endpoint":"ep","headers":{"x-api-key":"secret-key"}}}"#;

/// Starts a chat and answers its first request with `status` (0: no answer at all).
fn failed_start(config: &str, path: &str, status: u16) -> Page {
    let mut p = Page::boot(config, MemoryHost::default());
    p.mark();
    p.cmd("startChat", r#"{"nickname":"N","form":{"firstname":"N"}}"#);
    let req = p.take(path);
    if status == 0 {
        p.no_answer(&req, NetError::Network("Failed to fetch".into()));
    } else {
        p.respond(&req, status, r#"{"status":{"code":"NOT_FOUND","message":"no"}}"#);
    }
    p
}

fn line_with(p: &Page, part: &str) -> String {
    let logs = p.logs();
    logs.iter().find(|l| l.contains(part)).cloned().unwrap_or_else(|| panic!("no console line with {part:?} in {logs:?}"))
}

/// A wrong service path (404) names the URL tried and the option to fix, on each transport.
#[test]
fn a_start_answered_404_names_the_url_and_the_option() {
    for (config, path, url, option) in [
        (GMS, "wrong-service", "https://gms.test/genesys/2/chat/wrong-service", "webchat.dataURL"),
        (GUEST, "/conversations", "https://api.test/api/v2/webchat/guest/conversations", "webchat.transport.dataURL"),
        (NEXUS, "/sessionz", "https://nexus.test/nexus/v3/chat/sessionz", "webchat.transport.dataURL"),
    ] {
        let p = failed_start(config, path, 404);
        let l = line_with(&p, "404");
        assert!(l.starts_with("WebChatService: ") && l.contains(url) && l.contains(option), "{l}");
        assert!(!l.contains("secret"), "no key on the console: {l}");
    }
}

/// No answer at all (an unreachable host, or CORS: the browser does not tell which)
/// names the URL tried and both possible causes.
#[test]
fn a_start_without_answer_names_the_host_and_cors() {
    for (config, path, url) in [(GMS, "wrong-service", "https://gms.test/"), (GUEST, "/conversations", "https://api.test/"), (NEXUS, "/sessionz", "https://nexus.test/")] {
        let p = failed_start(config, path, 0);
        let l = line_with(&p, "no answer from");
        assert!(l.contains(url) && l.contains("CORS"), "{l}");
    }
}

/// Refused credentials name the option holding them (never its value).
#[test]
fn a_start_refused_401_names_the_key_option() {
    for (config, path, option) in [(GMS, "wrong-service", "webchat.apikey"), (GUEST, "/conversations", "deploymentKey"), (NEXUS, "/sessionz", "x-api-key")] {
        let p = failed_start(config, path, 401);
        let l = line_with(&p, "401");
        assert!(l.contains(option) && !l.contains("secret"), "{l}");
    }
}

/// The same mistake twice is reported once.
#[test]
fn each_cause_once() {
    let mut p = failed_start(NEXUS, "/sessionz", 404);
    p.cmd("startChat", r#"{"form":{"firstname":"N"}}"#);
    let again = p.take("/sessionz");
    p.respond(&again, 404, "{}");
    assert_eq!(p.logs().iter().filter(|l| l.contains("404")).count(), 1);
}

/// Nexus options out of range name the option, the value given and the value used.
#[test]
fn nexus_options_out_of_range_are_named() {
    let p = Page::boot(r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"https://n.test/nexus/v3/chat/sessions","endpoint":"ep","pollTimeout":20,"maxMessagePageSize":4,"pollIntervalMultiplier":0.5}}"#, MemoryHost::default());
    let logs = p.logs();
    for (option, given, used) in [("pollTimeout", "20", "100"), ("maxMessagePageSize", "4", "16"), ("pollIntervalMultiplier", "0.5", "1")] {
        let l = line_with(&p, option);
        assert!(l.contains(&format!("transport.{option} {given} is out of range; {used}")), "{l}");
    }
    assert_eq!(logs.len(), 3, "{logs:?}");
    let quiet = Page::boot(r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"https://n.test/nexus/v3/chat/sessions","endpoint":"ep","pollTimeout":3000}}"#, MemoryHost::default());
    assert!(quiet.logs().is_empty(), "nothing to say about a right configuration: {:?}", quiet.logs());
}

/// `webchat: {}` is one mistake, a missing dataURL, and says so in one line; no webchat
/// at all says that.
#[test]
fn a_missing_configuration_is_one_line_naming_what_is_missing() {
    let p = Page::boot("{}", MemoryHost::default());
    let logs = p.logs();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].contains("webchat.dataURL is missing"), "{}", logs[0]);
    let p = Page::boot("null", MemoryHost::default());
    let logs = p.logs();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].contains("webchat is missing"), "{}", logs[0]);
}

/// A service URL that is not absolute (nor from the site root) is named with the option,
/// on each transport; an absolute one says nothing.
#[test]
fn a_relative_service_url_is_named() {
    for (config, option) in [
        (r#"{"dataURL":"gms.test/genesys/2/chat/x"}"#, "webchat.dataURL"),
        (r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"api.test","deploymentKey":"d","orgGuid":"o"}}"#, "webchat.transport.dataURL"),
        (r#"{"transport":{"type":"pureengage-v3-rest","dataURL":"nexus.test/nexus/v3/chat/sessions","endpoint":"ep"}}"#, "webchat.transport.dataURL"),
    ] {
        let p = Page::boot(config, MemoryHost::default());
        let l = line_with(&p, "is not an absolute URL");
        assert!(l.starts_with("WebChatService: ") && l.contains(option), "{l}");
    }
    let p = Page::boot(GMS, MemoryHost::default());
    assert!(!p.logs().iter().any(|l| l.contains("absolute")), "{:?}", p.logs());
}

/// An unknown transport type is named, with the ones this build speaks.
#[test]
fn an_unknown_transport_type_is_named() {
    let p = Page::boot(r#"{"transport":{"type":"pureconnect-v4-rest","dataURL":"https://x.test"}}"#, MemoryHost::default());
    let l = line_with(&p, "pureconnect-v4-rest");
    assert!(l.starts_with("WebChatService: ") && l.contains("not supported") && l.contains("purecloud-v2-sockets") && l.contains("pureengage-v3-rest"), "{l}");
}

/// A missing guest `deploymentKey` is named once, at configure, not again on every
/// startChat (each start still rejects with the shipped text).
#[test]
fn a_missing_deployment_key_is_named_once() {
    let config = r#"{"transport":{"type":"purecloud-v2-sockets","dataURL":"https://api.test","orgGuid":"o"}}"#;
    let mut p = Page::boot(config, MemoryHost::default());
    for _ in 0..3 {
        let id = p.cmd("startChat", r#"{"form":{"firstname":"N"}}"#);
        assert_eq!(p.rejected_text(id), "Invalid transport configuration");
    }
    let lines = p.logs().iter().filter(|l| l.contains("deploymentKey")).count();
    assert_eq!(lines, 1, "{:?}", p.logs());
}
