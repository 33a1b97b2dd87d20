//! A local stand-in for the backends WebChatService talks to, for the demo page and the
//! tests: Genesys Engage GMS Chat API v2 (`/genesys/2/chat/{service}`), Genesys Cloud
//! guest chat (`/api/v2/webchat/guest/conversations` + its WebSocket event stream), Genesys
//! Cloud Web Messaging (the `/v1` WebSocket, history, deployment config; `webmsg`) and
//! Genesys Multicloud CX Nexus v3 chat (`/nexus/v3/chat/sessions`), with a
//! scripted agent, a control API (`/control/...`) for injecting agent actions and faults, CORS for
//! any origin, and the demo page and built plugin as static files.
//!
//! It is written from the protocol reference, never from the plugin's code, and shares no
//! wire-format code with it: a codec bug must not be mirrored on both sides.

pub mod agent;
pub mod control;
pub mod files;
pub mod form;
pub mod gms;
pub mod guest;
pub mod guest_agent;
pub mod guest_world;
pub mod netfault;
pub mod nexus;
pub mod nexus_variant;
pub mod webmsg;
pub mod webmsg_agent;
pub mod world;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

const GUEST: &str = "/api/v2/webchat/guest/conversations";
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;

pub use files::Roots;
pub use world::{Shared, World};

impl Roots {
    /// `www/`, `dist/` and `tests/fixtures/` of the repository this crate sits in.
    pub fn of_repo() -> Roots {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Roots { www: repo.join("www"), dist: repo.join("dist"), fixtures: repo.join("tests/fixtures") }
    }
}

/// CORS for any origin (the plugin runs on the integrator's page, the backend elsewhere).
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get("origin").cloned();
    let mut resp = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    match origin {
        Some(o) => {
            h.insert("access-control-allow-origin", o);
            h.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
            h.insert("vary", HeaderValue::from_static("Origin"));
        }
        None => {
            h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    h.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
    h.insert("access-control-allow-headers", HeaderValue::from_static("content-type, apikey, authorization, x-api-key, x-nexus-client-key"));
    h.insert("access-control-max-age", HeaderValue::from_static("600"));
    // Pages that isolate themselves (COEP require-corp, as the wasm-bindgen test runner's
    // page does) may still load the bus stand-in and the plugin from here.
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    resp
}

pub fn router(world: Shared, roots: Roots) -> Router {
    // The routes that take uploads (GMS `file`, every GMS operation sharing one route, and
    // Nexus images) read bodies up to a hard cap instead of axum's default 2 MB, which is
    // below a GMS file at its advertised 2 MiB plus the multipart around it: a file at the
    // limit is accepted and a bigger one gets the transport's own too-big refusal.
    let uploads = DefaultBodyLimit::max(form::UPLOAD_BODY_CAP);
    Router::new()
        .route("/genesys/2/chat/{*rest}", post(gms::handle).layer(uploads))
        .route(GUEST, post(guest::create))
        .route(&format!("{GUEST}/{{conv}}/members"), get(guest::members))
        .route(&format!("{GUEST}/{{conv}}/members/{{member}}"), get(guest::member).delete(guest::leave))
        .route(&format!("{GUEST}/{{conv}}/members/{{member}}/messages"), post(guest::post_message))
        .route(&format!("{GUEST}/{{conv}}/members/{{member}}/typing"), post(guest::typing))
        .route(&format!("{GUEST}/{{conv}}/messages"), get(guest::messages))
        .route("/guest/stream/{token}", get(guest::stream))
        .route(nexus::SESSIONS, post(nexus::create))
        .route(&format!("{}/{{id}}/messages", nexus::SESSIONS), get(nexus::messages).post(nexus::post_message))
        .route(&format!("{}/{{id}}/images", nexus::SESSIONS), post(nexus::post_image).layer(uploads))
        .route(&format!("{}/{{id}}/userdata", nexus::SESSIONS), put(nexus::put_user_data))
        .route(&format!("{}/{{id}}/participants/{{pid}}", nexus::SESSIONS), delete(nexus::leave))
        .route("/nexus/v3/chat/images/{name}", get(nexus::image))
        .route("/control/nexus", get(control::nexus_sessions))
        .route("/control/nexus/variant", get(control::nexus_variant).post(control::set_nexus_variant))
        .route("/control/nexus/{id}/act", post(control::nexus_act))
        .route("/control/guest", get(control::guest_conversations))
        .route("/control/guest/{conv}/act", post(control::guest_act))
        .route("/control/guest/heartbeats", put(control::guest_heartbeats))
        .route("/control/chats", get(control::chats))
        .route("/control/log", get(control::log))
        .route("/control/chats/{id}/act", post(control::act))
        .route("/control/faults", post(control::faults).get(control::list_faults).delete(control::clear_faults))
        .route("/control/agent", put(control::set_agent))
        .route("/control/apikey", put(control::set_apikey))
        .route("/control/reset", post(control::reset))
        .route("/v1", get(webmsg::socket))
        .route("/api/v2/webmessaging/messages", get(webmsg::history))
        .route("/webdeployments/v1/deployments/{id}/config.json", get(webmsg::config))
        .route("/webmsg/upload/{id}", put(webmsg::upload).layer(uploads))
        .route("/webmsg/download/{id}", get(webmsg::download))
        .route("/control/webmsg", get(webmsg::control_sessions))
        .route("/control/webmsg/act", post(webmsg::control_act_global))
        .route("/control/webmsg/{token}/act", post(webmsg::control_act))
        .fallback(move |uri| files::serve(roots.clone(), uri))
        // Inside CORS: a fault's answer carries the CORS headers, so the page sees its status.
        .layer(middleware::from_fn_with_state(world.clone(), netfault::layer))
        .layer(middleware::from_fn(cors))
        .with_state(world)
}

/// A running stand-in: its address and state. Dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    pub world: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How the Nexus v3 stand-in reads the protocol's inferred parts from now on
    /// (`nexus_variant`; the same as `POST /control/nexus/variant`).
    pub fn set_nexus_variant(&self, variant: nexus_variant::Variant) {
        world::lock(&self.world).nexus.variant = variant;
    }

    /// The Nexus variant in force.
    pub fn nexus_variant(&self) -> nexus_variant::Variant {
        world::lock(&self.world).nexus.variant
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the stand-in on 127.0.0.1:`port` (0 = any free port).
pub async fn start(port: u16, roots: Roots) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let world = World::shared();
    world::lock(&world).fixtures = roots.fixtures.clone();
    let app = router(world.clone(), roots);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("stand-in server stopped: {e}");
        }
    });
    Ok(Running { addr, world, task })
}
