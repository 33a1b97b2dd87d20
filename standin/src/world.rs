//! The stand-in's state: GMS chats with their transcripts, the scripted agent's settings,
//! queued faults, and a log of every request for tests to assert on.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub type Shared = Arc<Mutex<World>>;

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// How the scripted agent behaves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentScript {
    /// The agent acts by itself (join, greet, answer). Tests turn it off to drive it.
    pub auto: bool,
    pub name: String,
    pub join_delay_ms: u64,
    pub typing_delay_ms: u64,
    pub reply_delay_ms: u64,
}

impl Default for AgentScript {
    fn default() -> Self {
        AgentScript { auto: true, name: "Anna".into(), join_delay_ms: 800, typing_delay_ms: 200, reply_delay_ms: 900 }
    }
}

/// A fault applied to the next GMS requests (optionally only to one operation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// `status1`: answer 200 with statusCode 1 (chat server offline) and no messages;
    /// `http`: answer with HTTP `status` and no `errors` body; `slow`: wait `delay_ms`
    /// before answering normally; `errors`: HTTP `status` with an `errors` body of `code`.
    pub kind: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub code: Option<u64>,
    /// Only requests to this operation (`refresh`, `send`, ...; `request` = start).
    #[serde(default)]
    pub op: Option<String>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// One request as received, for tests.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub op: String,
    pub chat_id: Option<String>,
    pub content_type: String,
    pub apikey: Option<String>,
    pub authorization: Option<String>,
    pub fields: Vec<(String, String)>,
    pub user_data: BTreeMap<String, String>,
    pub at: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chat {
    pub chat_id: String,
    pub secure_key: String,
    pub alias: String,
    pub user_id: String,
    pub nickname: String,
    pub transcript: Vec<Value>,
    pub ended: bool,
    pub user_data: BTreeMap<String, String>,
    pub agent_joined: bool,
    /// Files the visitor uploaded (at most `upload-max-files` of them).
    pub files: Vec<StoredFile>,
    /// Downloads served so far (`used-download-attempts`).
    pub downloads: u32,
}

/// An uploaded file, kept for its download.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    pub id: String,
    pub name: String,
    pub content_type: String,
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Chat {
    /// Appends a transcript entry with the next 1-based index and the current time.
    pub fn push(&mut self, mut message: Value) -> u64 {
        let index = self.transcript.len() as u64 + 1;
        if let Value::Object(m) = &mut message {
            m.insert("index".into(), json!(index));
            m.entry("utcTime").or_insert(json!(now_ms()));
        }
        self.transcript.push(message);
        index
    }
    pub fn client(&self) -> Value {
        json!({"nickname": self.nickname, "participantId": 1, "type": "Client"})
    }
}

#[derive(Debug, Default)]
pub struct World {
    pub chats: BTreeMap<String, Chat>,
    pub agent: AgentScript,
    pub faults: VecDeque<Fault>,
    pub log: Vec<Logged>,
    pub required_apikey: Option<String>,
    /// Where recorded payloads live (`tests/fixtures/`), for the `replay` control action.
    pub fixtures: std::path::PathBuf,
    /// Genesys Cloud guest chat conversations by id.
    pub guest: BTreeMap<String, crate::guest_world::Conversation>,
    /// Heartbeat frames on guest streams: interval, and whether they are sent at all.
    pub heartbeat_ms: u64,
    pub heartbeats_off: bool,
    /// Genesys Multicloud CX Nexus v3 sessions, their client keys and images.
    pub nexus: crate::nexus::NexusWorld,
    /// Network faults for every transport's API (`crate::netfault`), and those applied.
    pub net_faults: VecDeque<crate::netfault::NetFault>,
    pub net_applied: Vec<crate::netfault::Applied>,
    /// Genesys Cloud Web Messaging sessions, uploads and upgrade faults.
    pub webmsg: crate::webmsg::WmWorld,
    next_id: u64,
}

impl World {
    pub fn shared() -> Shared {
        Arc::new(Mutex::new(World::default()))
    }

    /// Forgets chats, faults, the log and agent changes; keeps where fixtures are.
    pub fn reset(&mut self) {
        let fixtures = std::mem::take(&mut self.fixtures);
        *self = World { fixtures, ..World::default() };
    }

    /// A fresh number for ids and correlation ids.
    pub fn seq(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn new_ids(&mut self) -> (String, String, String, String) {
        self.next_id += 1;
        let n = self.next_id;
        let t = now_ms();
        (
            format!("0001{:08X}{:04X}", t & 0xFFFF_FFFF, n),
            format!("{:016x}", t.wrapping_mul(2654435761).wrapping_add(n)),
            format!("{}", 100 + n),
            format!("00{:014X}", t.wrapping_add(n * 7919)),
        )
    }

    /// Takes the fault that applies to a request to `op`, if any.
    pub fn take_fault(&mut self, op: &str) -> Option<Fault> {
        let pos = self.faults.iter().position(|f| f.op.as_deref().is_none_or(|o| o == op))?;
        let fault = self.faults.get_mut(pos)?;
        let taken = fault.clone();
        fault.count = fault.count.saturating_sub(1);
        if fault.count == 0 {
            self.faults.remove(pos);
        }
        Some(taken)
    }
}

/// Locks the world; a poisoned lock (a panicked handler) is taken over, not propagated.
pub fn lock(world: &Shared) -> std::sync::MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|p| p.into_inner())
}
