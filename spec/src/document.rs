//! The two documents, embedded at build time and parsed once.

use serde_json::Value;
use std::sync::OnceLock;

/// A service, one OpenAPI document each (they live on different hosts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// Cloud Server Backup Service, API v1.
    Csbs,
    /// Cloud Backup and Recovery, API v3.
    Cbr,
}

const CSBS_YAML: &str = include_str!("../csbs-v1.yaml");
const CBR_YAML: &str = include_str!("../cbr-v3.yaml");

impl Service {
    pub const ALL: [Service; 2] = [Service::Csbs, Service::Cbr];

    /// File name of the document inside `spec/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Service::Csbs => "csbs-v1.yaml",
            Service::Cbr => "cbr-v3.yaml",
        }
    }

    /// Short lowercase name, used for module and file names.
    pub fn name(self) -> &'static str {
        match self {
            Service::Csbs => "csbs",
            Service::Cbr => "cbr",
        }
    }

    /// The YAML text as committed.
    pub fn source(self) -> &'static str {
        match self {
            Service::Csbs => CSBS_YAML,
            Service::Cbr => CBR_YAML,
        }
    }

    /// The document as JSON, parsed once. The documents are compiled in and covered by tests,
    /// so a parse failure is a build defect, not an input error.
    pub fn document(self) -> &'static Value {
        static CSBS: OnceLock<Value> = OnceLock::new();
        static CBR: OnceLock<Value> = OnceLock::new();
        let cell = match self {
            Service::Csbs => &CSBS,
            Service::Cbr => &CBR,
        };
        cell.get_or_init(|| {
            parse_yaml(self.source()).unwrap_or_else(|e| {
                panic!("embedded spec/{} is not valid YAML: {e}", self.file_name())
            })
        })
    }
}

/// Parses a YAML text into JSON values (the documents use only JSON-compatible YAML).
pub fn parse_yaml(text: &str) -> Result<Value, serde_norway::Error> {
    serde_norway::from_str(text)
}

/// Follows a local `$ref` (`#/components/...`) inside a document.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Follows `$ref`s until a non-reference object is reached.
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => match resolve(doc, r) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}
