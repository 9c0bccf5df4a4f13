//! The one record of what a run knows and made, which every part reads and writes and the
//! cleanup uses: the facts requests are filled from (project, run name, servers, the objects
//! found or made), the objects the behaviour part wrote for its other checks, and the ledger of
//! what the run made and has not deleted yet. (The properties part binds each operation to a
//! pool of its own, `Facts` made from these; what the pools create joins this ledger.)

use crate::behaviour::Fixture;
use crate::created::{created, Created, Ledger};
use crate::replay::Facts;
use crate::request::ApiRequest;
use serde_json::Value;

/// What the run knows and made.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// What requests are filled from.
    pub facts: Facts,
    /// What the behaviour part's `writes` made, for its filters and domain errors.
    pub fixture: Fixture,
    /// What the run made and has not deleted: the cleanup deletes it.
    pub ledger: Ledger,
}

impl Record {
    /// What a 2xx `answer` to `request` created, now in the ledger (`None`: it created
    /// nothing the spec's links can delete).
    pub fn made(&mut self, request: &ApiRequest, answer: &Value) -> Option<Created> {
        let made = created(request.operation, &request.parts(), answer)?;
        self.ledger.add(made.clone());
        Some(made)
    }
}
