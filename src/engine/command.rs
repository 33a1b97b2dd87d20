//! Bus commands in typed form. The shell converts each `{commander, data}` once, at the
//! edge; JavaScript-only values (RegExp, functions, DOM elements) are reduced to what the
//! engine needs before they get here.

use serde_json::Value;

/// A JavaScript `RegExp` as source and flags (`String(re) == "/" + source + "/" + flags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexSpec {
    pub source: String,
    pub flags: String,
}

impl RegexSpec {
    pub fn new(source: impl Into<String>, flags: impl Into<String>) -> Self {
        RegexSpec { source: source.into(), flags: flags.into() }
    }
    /// `String(re)`: the key the shipped plugin deduplicates filters by.
    pub fn display(&self) -> String {
        format!("/{}/{}", self.source, self.flags)
    }
}

/// Facts about the page that startChat attaches as `_genesys_*` userData.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageInfo {
    pub url: String,
    pub referrer: String,
    pub title: String,
    pub browser: String,
    pub os: String,
    pub mobile: bool,
    /// `App.language`, sent as `GCTI_LanguageCode` when known.
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Configure(Value),
    Load,
    StartChat { data: Value, page: PageInfo },
    EndChat,
    SendMessage(Value),
    SendCustomNotice(Value),
    SendTyping(Value),
    /// `regex` is `None` when the data carried no RegExp.
    SendFilteredMessage { data: Value, regex: Option<RegexSpec> },
    /// `None` when `filters` is missing or not a RegExp / array of RegExps.
    AddPrefilter(Option<Vec<RegexSpec>>),
    UpdateUserData(Value),
    /// The private poll; `commander` is the caller's plugin name from the bus.
    Poll { commander: String },
    StartPoll,
    StopPoll,
    PausePoll,
    ResetPollExceptions,
    /// `commander` as for Poll: on GMS only WebChatService itself may restore.
    Restore { commander: String },
    AsyncRestore,
    GetTranscript,
    GetAgents,
    GetStats,
    GetSessionData,
    VerifySession,
    Sleep,
    Wake,
    FetchHistory,
    GetFileLimits,
    SendFile,
    DownloadFile,
    UpdateInteractionData(Value),
}

/// Every command name the plugin registers on the bus: the seeds' list plus what the
/// Genesys WebChat UI sends (spec §3.2, §3.6).
pub const COMMAND_NAMES: &[&str] = &[
    "configure", "LOAD", "startChat", "endChat", "sendMessage", "sendCustomNotice",
    "sendTyping", "sendFilteredMessage", "addPrefilter", "registerPreProcessor",
    "registerTypingPreviewInput", "updateUserData", "poll", "startPoll", "stopPoll",
    "pausePoll", "resetPollExceptions", "restore", "asyncRestore", "getTranscript",
    "getAgents", "getStats", "getSessionData", "verifySession", "sleep", "wake",
    "fetchHistory", "getFileLimits", "sendFile", "downloadFile", "updateInteractionData",
];

/// The events the plugin registers (informational on the bus; the registry lists them).
pub const EVENT_NAMES: &[&str] = &[
    "ready", "restored", "restoreTimeout", "restoreFailed", "restoredOffline",
    "messageReceived", "error", "started", "ended", "agentTypingStarted",
    "agentTypingStopped", "pollingStarted", "pollingStopped", "clientConnected",
    "clientDisconnected", "agentConnected", "agentDisconnected", "supervisorConnected",
    "supervisorDisconnected", "botConnected", "botDisconnected", "clientTypingStarted",
    "clientTypingStopped", "ajaxResponse", "disconnected", "reconnected",
    "chatServerWentOffline", "chatServerBackOnline", "sleeping", "waking",
];
