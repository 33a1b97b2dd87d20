//! Messages the visitor typed, on their way to the server: one queue type for both
//! transports.
//!
//! The shipped plugin drops a message typed while the connection is down (GMS resolves
//! `{statusCode:1}`, guest chat rejects) and sends concurrent messages concurrently. Here
//! they wait in order, one at a time, and each command settles once the server answered.
//! A send that got no answer (timeout, lost connection) may have reached the server: it
//! is *uncertain*, and is sent again only after a transcript fetched later shows it did
//! not arrive. A send whose copy came back while it was still in flight is delivered,
//! whatever happens to its answer afterwards (a late answer must not make it go twice).
//! Accepted sends whose own copy has not come back yet are remembered by text, so that a
//! second identical message is never mistaken for the first.

use super::{CommandId, RequestId};
use std::collections::VecDeque;

/// How many accepted-but-not-yet-seen messages are remembered (older ones are assumed
/// seen: the server echoes our messages within a few polls).
const ECHOES_KEPT: usize = 64;
/// How many messages may wait; more are refused rather than held without bound.
pub const MAX_QUEUED: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum SendState {
    /// Not sent yet (or to be sent again).
    Waiting,
    /// Sent as this request; no answer yet.
    InFlight(RequestId),
    /// Sent, no answer came; waiting for a transcript fetched by a request numbered at
    /// least `check_from` to say whether it arrived.
    Uncertain { check_from: RequestId },
}

#[derive(Debug, Clone)]
pub struct Outgoing<M> {
    pub cmd: CommandId,
    pub text: String,
    /// What the transport needs to send it again (form fields, the JSON body).
    pub meta: M,
    pub state: SendState,
    /// Its own copy came back while it was in flight: the server has it.
    pub seen: bool,
}

/// What a send that failed comes to.
#[derive(Debug)]
pub enum Failed<M> {
    /// Not the head's current send (an earlier attempt's late answer): nothing to do.
    Stale,
    /// Its copy was already seen: the server has it, settle the command as delivered.
    Delivered(Outgoing<M>),
    /// Refused for good (a 4xx): settle the command as refused.
    Refused(Outgoing<M>),
    /// It may or may not have arrived: a transcript fetched later tells.
    Uncertain,
}

#[derive(Debug, Clone)]
pub struct Outbox<M> {
    queue: VecDeque<Outgoing<M>>,
    echoes: VecDeque<String>,
}

impl<M> Default for Outbox<M> {
    fn default() -> Self {
        Outbox { queue: VecDeque::new(), echoes: VecDeque::new() }
    }
}

impl<M> Outbox<M> {
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
    pub fn len(&self) -> usize {
        self.queue.len()
    }
    pub fn is_full(&self) -> bool {
        self.queue.len() >= MAX_QUEUED
    }
    pub fn push(&mut self, cmd: CommandId, text: String, meta: M) {
        self.queue.push_back(Outgoing { cmd, text, meta, state: SendState::Waiting, seen: false });
    }
    /// The head, when it is ready to go out (nothing in flight or uncertain before it).
    pub fn ready(&mut self) -> Option<&mut Outgoing<M>> {
        self.queue.front_mut().filter(|h| h.state == SendState::Waiting)
    }
    /// Whether the head waits for a transcript check.
    pub fn uncertain(&self) -> bool {
        matches!(self.queue.front().map(|h| &h.state), Some(SendState::Uncertain { .. }))
    }
    /// Whether a send is out with no answer yet.
    pub fn in_flight(&self) -> bool {
        matches!(self.queue.front().map(|h| &h.state), Some(SendState::InFlight(_)))
    }
    /// The head went out as `request`.
    pub fn sent(&mut self, request: RequestId) {
        if let Some(h) = self.queue.front_mut() {
            h.state = SendState::InFlight(request);
        }
    }
    /// Whether `request` is the head's send (answers to anything else are stale).
    pub fn is_head(&self, request: RequestId) -> bool {
        self.queue.front().is_some_and(|h| h.state == SendState::InFlight(request))
    }
    /// The server answered the head's send: it leaves the queue. An accepted message's
    /// own copy is expected back in the transcript.
    pub fn answered(&mut self, request: RequestId, accepted: bool) -> Option<Outgoing<M>> {
        if !self.is_head(request) {
            return None;
        }
        let head = self.queue.pop_front()?;
        if accepted && !head.seen {
            self.expect_echo(head.text.clone());
        }
        Some(head)
    }
    /// The head's send failed. `refused`: the server said no for good (a 4xx with a
    /// reason); otherwise (no answer, a cut answer, a 5xx) it may have arrived.
    /// `next_request` is the number the next request will get, so only transcripts
    /// fetched from then on can settle the question.
    pub fn failed(&mut self, request: RequestId, refused: bool, next_request: RequestId) -> Failed<M> {
        if !self.is_head(request) {
            return Failed::Stale;
        }
        let seen = self.queue.front().is_some_and(|h| h.seen);
        if seen || refused {
            return match self.queue.pop_front() {
                Some(h) if seen => Failed::Delivered(h),
                Some(h) => Failed::Refused(h),
                None => Failed::Stale,
            };
        }
        self.lost(request, next_request);
        Failed::Uncertain
    }
    fn expect_echo(&mut self, text: String) {
        if self.echoes.len() >= ECHOES_KEPT {
            self.echoes.pop_front();
        }
        self.echoes.push_back(text);
    }
    /// The head's send got no answer; `next_request` is the number the next request
    /// will get, so only transcripts fetched from then on can settle the question.
    pub fn lost(&mut self, request: RequestId, next_request: RequestId) {
        if self.is_head(request) {
            if let Some(h) = self.queue.front_mut() {
                h.state = SendState::Uncertain { check_from: next_request };
            }
        }
    }
    /// The visitor's own message with this text came back in the transcript. Returns
    /// the uncertain head when this is it (it arrived after all: settle it, do not resend).
    pub fn saw_own(&mut self, text: &str) -> Option<Outgoing<M>> {
        if let Some(at) = self.echoes.iter().position(|t| t == text) {
            self.echoes.remove(at);
            return None;
        }
        if self.uncertain() && self.queue.front().is_some_and(|h| h.text == text) {
            return self.queue.pop_front();
        }
        // The copy of the send on its way: it arrived, whatever its answer will say.
        if let Some(h) = self.queue.front_mut().filter(|h| h.text == text && !h.seen && matches!(h.state, SendState::InFlight(_))) {
            h.seen = true;
        }
        None
    }
    /// A transcript fetched by `request` was fully read: an uncertain head it did not
    /// show is sent again. Returns whether the head became ready.
    pub fn checked(&mut self, request: RequestId) -> bool {
        match self.queue.front_mut() {
            Some(h) => match h.state {
                SendState::Uncertain { check_from } if request >= check_from => {
                    h.state = SendState::Waiting;
                    true
                }
                _ => false,
            },
            None => false,
        }
    }
    /// The head, whatever its state.
    pub fn head(&self) -> Option<&Outgoing<M>> {
        self.queue.front()
    }
    /// The request the head went out as, while no answer came.
    pub fn in_flight_request(&self) -> Option<RequestId> {
        match self.queue.front().map(|h| &h.state) {
            Some(SendState::InFlight(r)) => Some(*r),
            _ => None,
        }
    }
    /// The head's send is to go again later (the server asked to slow down): it waits.
    pub fn again(&mut self) -> Option<&Outgoing<M>> {
        let h = self.queue.front_mut().filter(|h| matches!(h.state, SendState::InFlight(_)))?;
        h.state = SendState::Waiting;
        Some(h)
    }
    /// The head, sent or uncertain, leaves the queue when `own` says this copy the server
    /// sent back is the head's (transports whose copies carry the send's id).
    pub fn settle_head(&mut self, own: impl FnOnce(&Outgoing<M>) -> bool) -> Option<Outgoing<M>> {
        let h = self.queue.front()?;
        if h.state == SendState::Waiting || !own(h) {
            return None;
        }
        self.queue.pop_front()
    }
    /// Every message still queued (the chat ended): the caller settles them.
    pub fn drain(&mut self) -> Vec<Outgoing<M>> {
        self.echoes.clear();
        self.queue.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_identical_message_is_not_taken_for_the_first() {
        let mut o: Outbox<()> = Outbox::default();
        o.push(1, "ok".into(), ());
        o.sent(10);
        assert!(o.answered(10, true).is_some());
        o.push(2, "ok".into(), ());
        o.sent(11);
        o.lost(11, 12);
        // The transcript shows the first "ok" only: it is the first one's echo.
        assert!(o.saw_own("ok").is_none());
        assert!(!o.checked(11), "a transcript fetched before the loss proves nothing");
        assert!(o.checked(12));
        assert!(o.ready().is_some(), "the second one is sent again");
    }

    #[test]
    fn an_uncertain_message_seen_in_the_transcript_is_not_resent() {
        let mut o: Outbox<()> = Outbox::default();
        o.push(1, "hi".into(), ());
        o.sent(5);
        o.lost(5, 6);
        assert!(o.ready().is_none());
        assert_eq!(o.saw_own("hi").map(|h| h.cmd), Some(1));
        assert!(o.is_empty());
    }

    /// The copy seen while the send was in flight makes a later lost answer a delivery,
    /// not a resend (the message would reach the agent twice).
    #[test]
    fn a_send_whose_copy_came_back_is_delivered_when_its_answer_is_lost() {
        let mut o: Outbox<()> = Outbox::default();
        o.push(1, "hi".into(), ());
        o.sent(5);
        assert!(o.saw_own("hi").is_none(), "the command settles with the answer");
        assert!(matches!(o.failed(5, false, 6), Failed::Delivered(h) if h.cmd == 1));
        assert!(o.is_empty());
        // A late success after a sighting expects no second copy.
        o.push(2, "hi".into(), ());
        o.sent(7);
        o.saw_own("hi");
        assert!(o.answered(7, true).is_some());
        o.push(3, "hi".into(), ());
        o.sent(8);
        o.lost(8, 9);
        assert_eq!(o.saw_own("hi").map(|h| h.cmd), Some(3), "the next copy is the third one's, not an expected echo");
    }

    /// A 5xx may have arrived (uncertain); a 4xx is refused for good.
    #[test]
    fn a_server_error_is_uncertain_and_a_refusal_is_final() {
        let mut o: Outbox<()> = Outbox::default();
        o.push(1, "a".into(), ());
        o.sent(5);
        assert!(matches!(o.failed(5, false, 6), Failed::Uncertain));
        assert!(o.uncertain());
        assert!(o.checked(6));
        o.sent(7);
        assert!(matches!(o.failed(5, true, 8), Failed::Stale));
        assert!(matches!(o.failed(7, true, 8), Failed::Refused(h) if h.cmd == 1));
    }

    #[test]
    fn stale_answers_do_not_settle_the_head() {
        let mut o: Outbox<()> = Outbox::default();
        o.push(1, "a".into(), ());
        o.sent(5);
        o.lost(5, 6);
        o.checked(6);
        o.sent(7);
        assert!(o.answered(5, true).is_none(), "the first attempt's late answer");
        assert_eq!(o.answered(7, true).map(|h| h.cmd), Some(1));
    }
}
