//! A WebSocket owned by the runtime: its handlers live exactly as long as this struct, and
//! dropping it detaches them and closes the socket, so a replaced socket reports nothing.

use crate::engine::output::{SocketEvent, SocketId};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, WebSocket};

pub struct Socket {
    ws: WebSocket,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Socket {
    /// Opens `url`; `report` gets every event of this socket. `Err` when the browser
    /// refuses the URL outright (the caller reports that as a close).
    pub fn open(url: &str, id: SocketId, report: impl Fn(SocketId, SocketEvent) + Clone + 'static) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        let on = |f: Box<dyn FnMut(JsValue)>| Closure::wrap(f);
        let r1 = report.clone();
        let opened = on(Box::new(move |_| r1(id, SocketEvent::Opened)));
        let r2 = report.clone();
        let message = on(Box::new(move |e: JsValue| {
            if let Some(text) = e.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) {
                r2(id, SocketEvent::Message(text));
            }
        }));
        let closed = on(Box::new(move |_| report(id, SocketEvent::Closed)));
        ws.set_onopen(Some(opened.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        // An error is always followed by a close event; the close is what is reported.
        ws.set_onclose(Some(closed.as_ref().unchecked_ref()));
        Ok(Socket { ws, _handlers: vec![opened, message, closed] })
    }

    /// Sends a text frame; one sent before the socket opened or after it closed is lost
    /// (the engine only sends on an open, configured socket).
    pub fn send(&self, text: &str) {
        let _ = self.ws.send_with_str(text);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
