//! The two sides a history runs on: the endpoint (over HTTP, with the run's client and
//! credential) and the model (the reference mock in-process, on a virtual clock). Each keeps
//! the objects the history made on it, in order, so that a step's places resolve to its own
//! IDs.

use crate::http::{Auth, Exchange, RequestRecord};
use crate::request::ApiRequest;
use serde_json::Value;
use std::collections::BTreeMap;

/// One answer, as the comparison sees it.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// `None`: no answer (a timeout, a broken connection).
    pub status: Option<u16>,
    pub json: Option<Value>,
    /// The request as sent (the endpoint's, for the reproduction script).
    pub sent: Option<RequestRecord>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The documented `error_code` of an error answer.
    pub fn code(&self) -> Option<String> {
        let body = self.json.as_ref()?;
        body.get("error_code").or_else(|| body.pointer("/error/code"))?.as_str().map(str::to_owned)
    }

    pub fn text(&self, pointer: &str) -> Option<String> {
        self.json.as_ref()?.pointer(pointer)?.as_str().map(str::to_owned)
    }
}

/// A policy the history made on one side.
#[derive(Clone, Debug, Default)]
pub struct MadePolicy {
    pub id: String,
    /// Its one scheduled operation's ID (an update names it).
    pub schedule: String,
}

/// A backup the history made on one side.
#[derive(Clone, Debug, Default)]
pub struct MadeItem {
    pub id: String,
    pub record: String,
    /// The server it backs up.
    pub server: String,
    /// Its disk backups and their source disks as the list that discovered it showed them (a
    /// restore uses them only when the backup's show fails: it is gone or was never made).
    pub listed: Vec<(String, String)>,
}

/// What the history made on one side, in order.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub policies: Vec<MadePolicy>,
    pub records: Vec<String>,
    /// When each record's backups were made, as this side shows it: the first and the last
    /// `created_at`, in microseconds (a record without a readable time has none).
    pub spans: Vec<Option<(i64, i64)>>,
    pub items: Vec<MadeItem>,
    /// Disk backups of backups (by place in `items`) and the disks they came from, as the
    /// backup's show listed them when a restore first needed them, in that order.
    pub volumes: Vec<(usize, Vec<(String, String)>)>,
    /// Places of the policies and backups a deletion the side accepted removed, and of the
    /// backups it accepted a restore of.
    pub deleted_policies: Vec<usize>,
    pub deleted_items: Vec<usize>,
    pub restored_items: Vec<usize>,
}

impl Names {
    /// The abstract name of one of this side's IDs (`policy#0`), if the history made it.
    pub fn name_of(&self, id: &str) -> Option<String> {
        if let Some(n) = self.policies.iter().position(|p| p.id == id) {
            return Some(format!("policy#{n}"));
        }
        if let Some(n) = self.policies.iter().position(|p| p.schedule == id) {
            return Some(format!("schedule#{n}"));
        }
        if let Some(n) = self.records.iter().position(|r| r == id) {
            return Some(format!("record#{n}"));
        }
        self.items.iter().position(|i| i.id == id).map(|n| format!("item#{n}"))
    }

    pub fn policy(&self, place: usize) -> Option<&MadePolicy> {
        (!self.policies.is_empty()).then(|| &self.policies[place % self.policies.len()])
    }

    pub fn record(&self, place: usize) -> Option<&String> {
        (!self.records.is_empty()).then(|| &self.records[place % self.records.len()])
    }

    pub fn item(&self, place: usize) -> Option<&MadeItem> {
        (!self.items.is_empty()).then(|| &self.items[place % self.items.len()])
    }

    /// The disk backups of the backup at `index` of `items`, once read.
    pub fn volumes_of(&self, index: usize) -> Option<&[(String, String)]> {
        self.volumes.iter().find(|(i, _)| *i == index).map(|(_, v)| v.as_slice())
    }
}

/// The endpoint's wire: the run's client, base URLs and credentials.
#[derive(Clone)]
pub struct Endpoint {
    /// The run's one sender (pace, timeouts, progress).
    pub sender: crate::sender::Sender,
    pub auth: Auth,
    /// The second project's credential.
    pub other: Option<Auth>,
}

/// How a side is reached.
#[derive(Clone)]
pub enum Wire {
    /// Boxed: it is much larger than the model's wire.
    Endpoint(Box<Endpoint>),
    #[cfg(feature = "embedded-mock")]
    Model {
        model: std::sync::Arc<csbs_mock::Model>,
        token: String,
        /// The second project's token.
        other: Option<String>,
    },
}

/// One side of a comparison.
#[derive(Clone)]
pub struct Side {
    pub wire: Wire,
    pub project: String,
    pub names: Names,
    /// The second project, whose credential must not reach this one's objects.
    pub other_project: Option<String>,
    /// The quotas' used counts of this side's project when the history started, subtracted
    /// from what it answers when the comparison is not exact (each side from its own start:
    /// the model starts empty, the endpoint with what the project held).
    pub baseline_usage: BTreeMap<String, i64>,
}

/// The token the model accepts (it serves nothing else).
#[cfg(feature = "embedded-mock")]
pub const MODEL_TOKEN: &str = "model-token";

/// The model's token of the second project.
#[cfg(feature = "embedded-mock")]
pub const MODEL_OTHER_TOKEN: &str = "model-other-token";

impl Side {
    pub fn request(&self, operation_id: &str) -> ApiRequest {
        ApiRequest::of(operation_id, &self.project)
    }

    /// Sends a request; never fails (no answer is a reply without a status).
    pub async fn send(&self, request: &ApiRequest) -> Reply {
        self.send_with(request, false).await
    }

    /// Sends a request with the second project's credential (no answer without one).
    pub async fn send_as_other(&self, request: &ApiRequest) -> Reply {
        self.send_with(request, true).await
    }

    async fn send_with(&self, request: &ApiRequest, as_other: bool) -> Reply {
        match &self.wire {
            Wire::Endpoint(endpoint) => {
                let Endpoint { sender, auth, other } = endpoint.as_ref();
                let auth = match (as_other, other) {
                    (false, _) => auth,
                    (true, Some(other)) => other,
                    (true, None) => return Reply::default(),
                };
                let exchange: Exchange =
                    sender.send_with(request, auth.clone(), "(model history)").await;
                Reply {
                    status: exchange.status(),
                    json: exchange.response().and_then(|r| r.json().ok()),
                    sent: Some(exchange.request.clone()),
                }
            }
            #[cfg(feature = "embedded-mock")]
            Wire::Model { model, token, other } => {
                let token = match (as_other, other) {
                    (false, _) => token,
                    (true, Some(other)) => other,
                    (true, None) => return Reply::default(),
                };
                // A millisecond between two requests keeps the model's creation times apart.
                model.advance(std::time::Duration::from_millis(1));
                let (status, body) = model
                    .call(
                        &request.operation.method,
                        &request.target(),
                        token,
                        request.body.as_ref(),
                    )
                    .await;
                Reply { status: Some(status), json: serde_json::from_slice(&body).ok(), sent: None }
            }
        }
    }
}
