//! A difference between two versions of a spec and whom it breaks.
//!
//! The contract has two sides. A change breaks *clients* when a client written against the
//! old version can fail against a service that follows the new one (a response may now
//! carry what it could not parse, a request it sends is now refused, something it relies on
//! is gone). It breaks *servers* (implementations: the mock, a reimplementation, a gateway)
//! when a service that follows the old version no longer follows the new one (it must now
//! accept more, answer what it did not, or stop answering what it did).
//!
//! For constraints this is one rule: a request schema that accepts less (narrowed) breaks
//! clients and one that accepts more (widened) breaks servers; a response schema that
//! allows more breaks clients and one that allows less breaks servers. A change that is
//! neither (a type replaced, a pattern rewritten) breaks both.

use serde::Serialize;
use serde_json::Value;

/// Which side of the contract a change breaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Breaks {
    pub clients: bool,
    pub servers: bool,
}

impl Breaks {
    /// Compatible.
    pub const NONE: Breaks = Breaks { clients: false, servers: false };
    /// Breaking for clients only.
    pub const CLIENTS: Breaks = Breaks { clients: true, servers: false };
    /// Breaking for servers (implementations) only.
    pub const SERVERS: Breaks = Breaks { clients: false, servers: true };
    /// Breaking for both sides.
    pub const BOTH: Breaks = Breaks { clients: true, servers: true };

    /// True when the change breaks either side.
    pub fn any(self) -> bool {
        self.clients || self.servers
    }

    /// `breaking for clients`, `breaking for servers`, `breaking for clients and servers`
    /// or `compatible`.
    pub fn words(self) -> &'static str {
        match (self.clients, self.servers) {
            (true, true) => "breaking for clients and servers",
            (true, false) => "breaking for clients",
            (false, true) => "breaking for servers",
            (false, false) => "compatible",
        }
    }
}

/// Which way values travel through a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Sent by clients: parameters and request bodies.
    Request,
    /// Sent by servers: response bodies and headers.
    Response,
}

/// What a change does to the set of values a schema (or rule) accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Narrowed,
    Widened,
    /// Accepts other values, neither a subset nor a superset.
    Changed,
    /// Documentation only.
    Compatible,
}

impl Effect {
    /// Whom the effect breaks in this direction.
    pub fn breaks(self, direction: Direction) -> Breaks {
        match (self, direction) {
            (Effect::Compatible, _) => Breaks::NONE,
            (Effect::Changed, _) => Breaks::BOTH,
            (Effect::Narrowed, Direction::Request) | (Effect::Widened, Direction::Response) => {
                Breaks::CLIENTS
            }
            (Effect::Widened, Direction::Request) | (Effect::Narrowed, Direction::Response) => {
                Breaks::SERVERS
            }
        }
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// `operationId` (the new one, or the old one when the operation was removed); null
    /// for document-level changes (`x-error-codes`, `info`).
    pub operation: Option<String>,
    /// `METHOD path` of the operation, or the document part.
    pub scope: String,
    /// `body.policy.name`, `query.limit`, `response.200.policy.status`, `x-error-codes.CSBS.9007`.
    pub location: String,
    /// A stable name of the rule that classified it (`request-property-max-length-decreased`).
    pub rule: String,
    pub old: Value,
    pub new: Value,
    pub breaks: Breaks,
    /// `breaks` in words.
    pub classification: &'static str,
}

impl Change {
    /// The name a CHANGELOG entry must mention: the `operationId`, or the document part.
    pub fn subject(&self) -> &str {
        self.operation.as_deref().unwrap_or(&self.scope)
    }
}
