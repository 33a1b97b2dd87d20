//! `standin [--port N] [--port-file PATH] [--exit-after SECONDS] [--nexus-variant JSON]`:
//! serves the stand-in backends, the demo page and the built plugin on 127.0.0.1. The
//! Nexus variant (`standin::nexus_variant`, e.g. `'{"cursor":"none"}'`) can also be set
//! later with `POST /control/nexus/variant`.

use std::time::Duration;

fn usage() -> ! {
    eprintln!("usage: standin [--port N] [--port-file PATH] [--exit-after SECONDS] [--nexus-variant JSON]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut port: u16 = 8765;
    let mut port_file = None;
    let mut exit_after = None;
    let mut variant = standin::nexus_variant::Variant::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--port-file" => port_file = Some(value()),
            "--exit-after" => exit_after = Some(value().parse::<u64>().unwrap_or_else(|_| usage())),
            "--nexus-variant" => {
                variant = serde_json::from_str(&value()).unwrap_or_else(|e| {
                    eprintln!("standin: bad --nexus-variant: {e}");
                    usage()
                })
            }
            _ => usage(),
        }
    }
    let running = match standin::start(port, standin::Roots::of_repo()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("standin: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    running.set_nexus_variant(variant);
    if let Some(f) = port_file {
        if let Err(e) = std::fs::write(&f, running.addr.port().to_string()) {
            eprintln!("standin: cannot write {f}: {e}");
            std::process::exit(1);
        }
    }
    let url = running.url();
    println!("WebChatService demo: {url}/  (Genesys Engage GMS stand-in at {url}/genesys/2/chat/customer-support)");
    println!("Genesys Cloud guest chat: {url}/?transport=guest  (stand-in guest API and event stream on the same port)");
    println!("Genesys Multicloud CX Nexus v3: {url}/?transport=nexus  (async mode, kept by the page, with history: {url}/?transport=nexus&async=1)");
    let stop = async {
        match exit_after {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = stop => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
