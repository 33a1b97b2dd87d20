//! In-flight requests by id. A handful at a time, so a vector: far less wasm than another
//! `BTreeMap` instantiation per session type.

use super::RequestId;

#[derive(Debug, Clone)]
pub struct InFlight<T>(Vec<(RequestId, T)>);

impl<T> Default for InFlight<T> {
    fn default() -> Self {
        InFlight(Vec::new())
    }
}

impl<T> InFlight<T> {
    pub fn insert(&mut self, id: RequestId, what: T) {
        self.0.push((id, what));
    }
    pub fn remove(&mut self, id: &RequestId) -> Option<T> {
        let at = self.0.iter().position(|(i, _)| i == id)?;
        Some(self.0.remove(at).1)
    }
}
