//! Rejection texts of the shipped plugin. Integrators compare them literally
//! (`err !== 'There is already an active chat session'`), so they are copied exactly as
//! the shipped code has them, including the missing or present final dots.

pub const ALREADY_ACTIVE: &str = "There is already an active chat session";
pub const NO_ACTIVE_SESSION: &str = "There is no active chat session";
/// Guest chat `sendMessage` (with the final dot).
pub const NO_ACTIVE_SESSION_DOT: &str = "There is no active chat session.";
pub const NO_ACTIVE_SESSION_FILTERED: &str = "No active chat session.";
pub const NO_MESSAGE_TEXT: &str = "No message text provided";
pub const INVALID_CONFIGURATION: &str = "Invalid configuration";
pub const INVALID_FILTERS: &str =
    "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions";
pub const INVALID_PREVIEW_INPUT: &str = "Invalid value provided for the 'input' property. An HTML element reference to a textarea or text input is required.";
pub const ACCESS_DENIED: &str =
    "Access Denied to private command. Only WebChatService is allowed to invoke this command";
pub const MALFORMED_USER_DATA: &str = "malformed JSON provided in userData property";
pub const ALREADY_RESTORING: &str = "Already restoring. Ignoring request.";
pub const RESTORE_WHILE_ACTIVE: &str = "Chat session is already active, ignoring restore command.";
pub const NOTHING_TO_RESTORE: &str = "No chat session found to restore.";
pub const POLL_IN_FLIGHT: &str = "previous poll has not finished";
/// The Nexus v3 transport's own wording (with the dot).
pub const POLL_IN_FLIGHT_DOT: &str = "previous poll has not finished.";
pub const NO_POLL_EXCEPTIONS: &str = "This transport doesn't support any poll Exceptions.";
/// A nextgen transport this build has not, or one whose options are unusable.
pub const INVALID_TRANSPORT: &str = "Invalid transport configuration";

/// Names joined for a console line (`a, b, c`).
pub fn list(names: &[&str]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(n);
    }
    out
}
pub const NOT_POLLING: &str = "Not currently polling. Ignoring command.";
pub const HISTORY_ASYNC_ONLY: &str = "Fetching messages history applies to only Asynchronous chat.";
pub const HISTORY_NOT_ENABLED: &str = "Fetching chat history on scroll is not enabled.";
pub const NO_MORE_MESSAGES: &str = "No more messages to fetch";
pub const TYPING_WHILE_INACTIVE: &str = "trying to send typing indicator when session is not active";
pub const TYPING_NO_DATA: &str = "send typing indicator request returned no data";
pub const SOCKET_FAILED: &str = "websocket failed to open";
pub const CUSTOMER_DISCONNECTED: &str = "customer disconnected, conversation ended";
pub const NO_CONVERSATION_STATE: &str = "failed to retrieve conversation state";
/// What the shipped `getConversationState` rejects with (the `restoreFailed` payload).
pub const CONVERSATION_STATE_LOST: &str = "failed to get the conversation state";
pub const NO_CREATE_DATA: &str = "no response data in the api post request";
pub const NO_RESPONSE_DATA: &str = "200 but no response from server";
/// `sendFile` without a chosen file (the shipped one throws a TypeError and never settles).
pub const NO_FILE_CHOSEN: &str = "sendFile needs { files: <input type=file> } with a file chosen in it.";

/// "No preprocessor function provided. Type provided was '<typeof>'."
pub fn no_preprocessor(type_of: &str) -> String {
    format!("No preprocessor function provided. Type provided was '{type_of}'.")
}

/// "Message length exceeds configured threshold of (N) characters"
pub fn message_too_long(limit: u64) -> String {
    format!("Message length exceeds configured threshold of ({limit}) characters")
}

/// "This transport doesn't support <what>." for commands a transport lacks.
pub fn transport_lacks(what: &str) -> String {
    format!("This transport doesn't support {what}.")
}
