//! Rejection texts of the shipped plugin. Integrators compare them literally
//! (`err !== 'There is already an active chat session'`), so they are copied exactly from
//! spec/webchatservice.md §3.2, including the missing or present final dots.

pub const ALREADY_ACTIVE: &str = "There is already an active chat session";
pub const NO_ACTIVE_SESSION: &str = "There is no active chat session";
pub const NO_ACTIVE_SESSION_SHORT: &str = "No active chat session";
pub const NO_ACTIVE_SESSION_FILTERED: &str = "No active chat session.";
pub const NO_MESSAGE_TEXT: &str = "No message text provided";
pub const INVALID_CONFIGURATION: &str = "Invalid configuration";
pub const INVALID_FILTERS: &str =
    "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions";
pub const INVALID_PREVIEW_INPUT: &str = "Invalid value provided for the 'input' property. An HTML element reference to a textarea or text input is required.";
pub const ACCESS_DENIED: &str =
    "Access Denied to private command. Only WebChatService is allowed to invoke this command";
/// The seed's restore row "Trying restore chat session manually" (GMS, non-async).
pub const RESTORE_ACCESS_DENIED: &str =
    "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode.";
pub const MALFORMED_USER_DATA: &str = "malformed JSON provided in userData property";
pub const ALREADY_RESTORING: &str = "Already restoring. Ignoring request.";
pub const RESTORE_WHILE_ACTIVE: &str = "Chat session is already active, ignoring restore command.";
pub const NOTHING_TO_RESTORE: &str = "No chat session found to restore.";
pub const POLL_IN_FLIGHT: &str = "previous poll has not finished";
pub const NOT_POLLING: &str = "Not currently polling. Ignoring command.";
pub const HISTORY_ASYNC_ONLY: &str = "Fetching messages history applies to only Asynchronous chat.";
pub const FILES_NOT_YET: &str =
    "File transfer is not available in this version of the WebAssembly WebChatService yet.";

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
