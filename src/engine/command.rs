//! Bus commands in typed form. The shell converts each `{commander, data}` once, at the
//! edge: the data becomes a [`Value`] (RegExps included); what only the page can hold
//! (preprocessor functions, the typing-preview element, a file input) stays in the shell.

use super::json::Value;

/// Facts about the page that startChat attaches as `_genesys_*` userData.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageInfo {
    pub url: String,
    pub referrer: String,
    pub title: String,
    pub browser: String,
    pub os: String,
    pub mobile: bool,
    /// The Widgets version the page runs (`_genesys_widgets`).
    pub widgets_version: String,
}

/// A file picked in an `<input type=file>`, as the engine needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    pub name: String,
    pub size: u64,
    pub mime: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Configure(Value),
    StartChat { data: Value, page: PageInfo },
    EndChat,
    SendMessage(Value),
    SendCustomNotice(Value),
    SendTyping(Value),
    SendFilteredMessage(Value),
    AddPrefilter(Value),
    UpdateUserData(Value),
    UpdateInteractionData(Value),
    /// The private poll; `commander` is the caller's plugin name from the bus.
    Poll { commander: String },
    StartPoll,
    StopPoll,
    PausePoll,
    ResetPollExceptions,
    Restore(Value),
    /// With the page, which Nexus v3 async mode sends again when it re-creates the chat.
    AsyncRestore { page: PageInfo },
    GetTranscript,
    GetAgents,
    GetStats,
    GetSessionData,
    VerifySession,
    Sleep,
    Wake(Value),
    FetchHistory,
    GetFileLimits,
    /// `files` held no usable input (`None`), or the first picked file.
    SendFile(Option<FileInfo>),
    DownloadFile(Value),
}

impl Command {
    /// The command for a bus command name (`startChat`, ...) and its data; `None` for a
    /// name the engine does not handle (`registerPreProcessor` and
    /// `registerTypingPreviewInput` hold page objects: the shell answers them).
    pub fn from_bus(name: &str, commander: &str, data: Value, page: impl FnOnce() -> PageInfo, file: impl FnOnce() -> Option<FileInfo>) -> Option<Command> {
        Some(match name {
            "configure" => Command::Configure(data),
            "startChat" => Command::StartChat { data, page: page() },
            "endChat" => Command::EndChat,
            "sendMessage" => Command::SendMessage(data),
            "sendCustomNotice" => Command::SendCustomNotice(data),
            "sendTyping" => Command::SendTyping(data),
            "sendFilteredMessage" => Command::SendFilteredMessage(data),
            "addPrefilter" => Command::AddPrefilter(data),
            "updateUserData" => Command::UpdateUserData(data),
            "updateInteractionData" => Command::UpdateInteractionData(data),
            "poll" => Command::Poll { commander: commander.to_owned() },
            "startPoll" => Command::StartPoll,
            "stopPoll" => Command::StopPoll,
            "pausePoll" => Command::PausePoll,
            "resetPollExceptions" => Command::ResetPollExceptions,
            "restore" => Command::Restore(data),
            "asyncRestore" => Command::AsyncRestore { page: page() },
            "getTranscript" => Command::GetTranscript,
            "getAgents" => Command::GetAgents,
            "getStats" => Command::GetStats,
            "getSessionData" => Command::GetSessionData,
            "verifySession" => Command::VerifySession,
            "sleep" => Command::Sleep,
            "wake" => Command::Wake(data),
            "fetchHistory" => Command::FetchHistory,
            "getFileLimits" => Command::GetFileLimits,
            "sendFile" => Command::SendFile(file()),
            "downloadFile" => Command::DownloadFile(data),
            _ => return None,
        })
    }
}

/// Something that happened on the page that the shipped plugin listens to.
#[derive(Debug, Clone, PartialEq)]
pub enum PageEvent {
    /// `App.language` (sent as `GCTI_LanguageCode`).
    Language(Value),
    /// `App.data.pageFocus` changed (`value`).
    Focus(Value),
    /// `App.data.pageHidden` changed (`value`), with App's `pageFocus` at that moment.
    Hidden { hidden: Value, focused: bool },
    /// `WebChat.closed`: the UI closed, the last transcript is forgotten.
    WebChatClosed,
    /// `GWE.getIDs` answered (after `GWE.ready`): ids merged into userData.
    GweIds(Value),
    /// The page is being left or reloaded (`pagehide`): what is stored late is stored now.
    Leaving,
}

/// Every command name the plugin registers on the bus: the seeds' list plus what the
/// Genesys WebChat UI sends (spec §3.2, §3.6).
pub const COMMAND_NAMES: &[&str] = &[
    "configure", "startChat", "endChat", "sendMessage", "sendCustomNotice",
    "sendTyping", "sendFilteredMessage", "addPrefilter", "registerPreProcessor",
    "registerTypingPreviewInput", "updateUserData", "poll", "startPoll", "stopPoll",
    "pausePoll", "resetPollExceptions", "restore", "asyncRestore", "getTranscript",
    "getAgents", "getStats", "getSessionData", "verifySession", "sleep", "wake",
    "fetchHistory", "getFileLimits", "sendFile", "downloadFile", "updateInteractionData",
];

/// The events the legacy controller registers (informational on the bus).
pub const GMS_EVENT_NAMES: &[&str] = &[
    "ready", "restored", "restoreTimeout", "restoreFailed", "messageReceived", "error",
    "started", "ended", "agentTypingStarted", "agentTypingStopped", "pollingStarted",
    "pollingStopped", "clientConnected", "clientDisconnected", "agentConnected",
    "agentDisconnected", "supervisorConnected", "supervisorDisconnected", "botConnected",
    "botDisconnected", "clientTypingStarted", "clientTypingStopped", "ajaxResponse",
    "disconnected", "reconnected", "chatServerWentOffline", "chatServerBackOnline",
    "sleeping", "waking",
];

/// The events the nextgen controller registers.
pub const GUEST_EVENT_NAMES: &[&str] = &[
    "ready", "restored", "restoreTimeout", "restoreFailed", "messageReceived", "error",
    "started", "ended", "agentTypingStarted", "agentTypingStopped", "agentTypingTimeout",
    "pollingStarted", "pollingStopped", "clientConnected", "clientDisconnected",
    "agentConnected", "agentDisconnected", "supervisorConnected", "supervisorDisconnected",
    "clientTypingStarted", "clientTypingStopped", "ajaxResponse", "disconnected",
    "reconnected", "chatServerWentOffline", "chatServerBackOnline", "capabilitiesChanged",
    "sleeping", "waking", "sessionLost",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The shell registers every name of [`COMMAND_NAMES`]; all but the two that hold page
    /// objects must reach the engine, or their promises would have nobody to settle them.
    #[test]
    fn every_registered_command_reaches_the_engine() {
        for name in COMMAND_NAMES {
            let handled = Command::from_bus(name, "Tester", Value::object(), PageInfo::default, || None).is_some();
            let in_shell = matches!(*name, "registerPreProcessor" | "registerTypingPreviewInput");
            assert!(handled != in_shell, "{name}");
        }
    }
}
