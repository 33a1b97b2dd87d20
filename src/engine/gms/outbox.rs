//! Outgoing chat messages, sent one at a time in the order they were typed.
//!
//! The shipped plugin drops a message typed while disconnected (it resolves `{statusCode:1}`
//! without sending). Here a message waits in the outbox until the connection is back and
//! its command resolves only when the server accepted it. A send that timed out may have
//! reached the server anyway; before resending it, the transcript is checked for our own
//! message with the same text after the point where it was first tried, so nothing is
//! sent twice.

use super::{Pending, Phase, Session};
use crate::engine::host::Host;
use crate::engine::output::Outcome;
use crate::engine::texts;
use crate::engine::CommandId;
use serde_json::json;

#[derive(Debug, Clone)]
pub(super) struct Outgoing {
    pub cmd: CommandId,
    pub text: String,
    pub fields: Vec<(String, String)>,
    /// The transcript position when this message was first sent, once it was.
    pub attempted_from: Option<u64>,
    pub in_flight: bool,
}

impl Outgoing {
    pub fn new(cmd: CommandId, text: String, fields: Vec<(String, String)>) -> Self {
        Outgoing { cmd, text, fields, attempted_from: None, in_flight: false }
    }
}

impl Session {
    /// Sends the head of the outbox when connected and nothing is in flight.
    pub(super) fn pump_outbox(&mut self, host: &mut dyn Host) {
        if self.phase != Phase::Active || self.disconnected {
            return;
        }
        let position = self.transcript.next_position;
        let Some(head) = self.outbox.front_mut() else { return };
        if head.in_flight {
            return;
        }
        head.in_flight = true;
        head.attempted_from.get_or_insert(position);
        let mut fields = head.fields.clone();
        fields.extend(self.ids.fields());
        // `None` means another tab ended the chat; end_locally already failed the outbox.
        let _ = self.request("send", fields, Pending::Send, host);
    }

    /// The head's send came back without an answer: keep it for the reconnect.
    pub(super) fn outbox_retry_later(&mut self) {
        if let Some(head) = self.outbox.front_mut() {
            head.in_flight = false;
        }
    }

    /// The head's send was answered (accepted or refused by the server).
    pub(super) fn outbox_settle_head(&mut self, outcome: Outcome) {
        if let Some(head) = self.outbox.pop_front() {
            self.out.reply(Some(head.cmd), outcome);
        }
    }

    /// Our own message with this text arrived in the transcript at `index`: if the head
    /// was already tried and is waiting to be resent, it got through after all.
    pub(super) fn outbox_saw_own_message(&mut self, text: &str, index: Option<u64>) {
        let delivered = self.outbox.front().is_some_and(|h| {
            !h.in_flight && h.text == text && h.attempted_from.is_some_and(|from| index.is_none_or(|i| i >= from))
        });
        if delivered {
            self.outbox_settle_head(Outcome::resolve_json(json!({"statusCode": 0})));
        }
    }

    /// The chat ended: what is still queued can no longer be sent.
    pub(super) fn fail_outbox(&mut self) {
        while let Some(head) = self.outbox.pop_front() {
            self.out.reply(Some(head.cmd), Outcome::reject_text(texts::NO_ACTIVE_SESSION));
        }
    }
}
