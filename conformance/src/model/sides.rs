//! The two sides a history runs on: the endpoint (over HTTP, with the run's client and
//! credential) and the model (the reference mock in-process, on a virtual clock). Each keeps
//! the objects the history made on it, in order, so that a step's places resolve to its own
//! IDs.

use crate::http::{Auth, Exchange, HttpClient, Outgoing, RequestRecord};
use crate::request::ApiRequest;
use serde_json::Value;

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
}

/// What the history made on one side, in order.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub policies: Vec<MadePolicy>,
    pub records: Vec<String>,
    pub items: Vec<MadeItem>,
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
}

/// How a side is reached.
#[derive(Clone)]
pub enum Wire {
    Endpoint {
        client: HttpClient,
        csbs: String,
        cbr: String,
        auth: Auth,
    },
    #[cfg(feature = "embedded-mock")]
    Model {
        model: std::sync::Arc<csbs_mock::Model>,
        token: String,
    },
}

/// One side of a comparison.
#[derive(Clone)]
pub struct Side {
    pub wire: Wire,
    pub project: String,
    pub names: Names,
}

/// The token the model accepts (it serves nothing else).
#[cfg(feature = "embedded-mock")]
pub const MODEL_TOKEN: &str = "model-token";

impl Side {
    pub fn request(&self, operation_id: &str) -> ApiRequest {
        ApiRequest::of(operation_id, &self.project)
    }

    /// Sends a request; never fails (no answer is a reply without a status).
    pub async fn send(&self, request: &ApiRequest) -> Reply {
        match &self.wire {
            Wire::Endpoint { client, csbs, cbr, auth } => {
                let base = match request.operation.service {
                    csbs_spec::Service::Csbs => csbs,
                    csbs_spec::Service::Cbr => cbr,
                };
                let out = Outgoing {
                    method: request.operation.method.clone(),
                    url: format!("{base}{}", request.target()),
                    body: request.body.clone(),
                    auth: auth.clone(),
                };
                let exchange: Exchange = client.send(out).await;
                Reply {
                    status: exchange.status(),
                    json: exchange.response().and_then(|r| r.json().ok()),
                    sent: Some(exchange.request.clone()),
                }
            }
            #[cfg(feature = "embedded-mock")]
            Wire::Model { model, token } => {
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
