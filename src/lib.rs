//! WebChatService for Genesys Widgets, in Rust compiled to WebAssembly.
//!
//! A page loads `webchatservice.min.js` (the loader in `www/loader.js` plus the
//! wasm-bindgen glue) with one script tag, or lets CXBus lazy-load it. The loader registers
//! `WebChatService` on the page's bus synchronously, fetches the `.wasm`, and hands the
//! plugin interface to [`shell`], which answers every bus command and publishes every event
//! of the JavaScript plugin it replaces.
//!
//! The crate has two halves:
//! - [`engine`]: pure Rust, no I/O. Config, the session state machine, polling cadence,
//!   transcript normalisation, filters, the GMS wire format. Compiles and is tested natively
//!   with a simulated clock.
//! - `shell` (wasm32 only): the bus binding, the promise bridge, `fetch`, timers, cookies and
//!   the DOM. It translates and executes; it decides nothing.

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod shell;
