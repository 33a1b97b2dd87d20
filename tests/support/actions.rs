//! Readers over an engine's action log, shared by the simulated pages.

use serde_json::Value;
use webchatservice::engine::output::{Action, Outcome, ReplyValue};
use webchatservice::engine::CommandId;

/// How command `id` settled, if it did; panics if it settled twice.
pub fn reply(log: &[Action], id: CommandId) -> Option<Outcome> {
    let mut found = log.iter().filter_map(|a| match a {
        Action::Reply { id: i, outcome } if *i == id => Some(outcome.clone()),
        _ => None,
    });
    let first = found.next();
    assert!(found.next().is_none(), "command {id} settled twice");
    first
}

/// The text command `id` rejected with; panics otherwise.
pub fn rejected_with(log: &[Action], id: CommandId) -> String {
    match reply(log, id) {
        Some(Outcome::Reject(ReplyValue::Json(Value::String(s)))) => s,
        other => panic!("command {id} did not reject with a text: {other:?}"),
    }
}

/// Names of the events published in `log`.
pub fn events(log: &[Action]) -> Vec<&'static str> {
    log.iter()
        .filter_map(|a| match a {
            Action::Publish { event, .. } => Some(*event),
            _ => None,
        })
        .collect()
}

/// The data of the last `name` event in `log`; panics when there is none.
pub fn event(log: &[Action], name: &str) -> Value {
    log.iter()
        .rev()
        .find_map(|a| match a {
            Action::Publish { event, data, .. } if *event == name => Some(data.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {name} event; saw {:?}", events(log)))
}
