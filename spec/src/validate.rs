//! Validation of requests and responses against the documents: every JSON-Schema keyword,
//! plus the `x-` rules registered as keywords (see [`crate::rules`]). Each violation names the
//! field, the rule and the value.

use crate::document::deref;
use crate::operations::{all_operations, Location, Operation, Parameter};
use crate::params::{PathValues, Values};
use crate::rules::{check_unique_by, is_service_datetime, RruleRule};
use crate::schema::standalone;
use crate::Service;
use jsonschema::{Keyword, ValidationError, Validator};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// One broken rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Where: `query.limit`, `path.provider_id`, `body.policy.name`, `body`.
    pub field: String,
    /// Which rule: a JSON-Schema keyword (`pattern`, `maxLength`, `required`, `type`) or an
    /// extension (`x-rrule`, `x-unique-items-by`).
    pub rule: String,
    /// What is wrong, in words.
    pub message: String,
    /// The offending value (null when missing).
    pub value: Value,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rule == OMITTED {
            return write!(f, "{}: {}", self.field, self.message);
        }
        let shown = excerpt_text(&self.value, MAX_EXCERPT);
        write!(f, "{}: {} ({}), value {}", self.field, self.message, self.rule, shown)
    }
}

/// At most this many violations of one value are described; the rest are counted in one
/// last entry of rule [`OMITTED`]. An error answer then costs the same whatever the request
/// holds (a body of a million broken items once gave a 252 MB answer).
pub const MAX_VIOLATIONS: usize = 10;

/// The rule of the last entry of a list of violations cut at [`MAX_VIOLATIONS`]: its
/// `message` says how many more there are (its `value`, a number, when they were counted).
pub const OMITTED: &str = "omitted";

/// Beyond this many JSON values an invalid value is not searched for every violation, only
/// for the first: the validator collects every error before the first is returned, in memory
/// proportional to their number.
pub const MAX_VALUES_EXAMINED: usize = 50_000;

/// Values and messages are quoted up to this many bytes of their JSON text.
pub const MAX_EXCERPT: usize = 80;

/// A value's compact JSON text, cut at `max` bytes (with `...`): never more than `max` bytes
/// are written, whatever the value's size.
pub fn excerpt_text(value: &Value, max: usize) -> String {
    struct Bounded {
        out: Vec<u8>,
        max: usize,
    }
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = self.max + 1 - self.out.len().min(self.max + 1);
            if room == 0 {
                return Err(std::io::Error::other("full"));
            }
            let n = buf.len().min(room);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = Bounded { out: Vec::new(), max };
    let complete = serde_json::to_writer(&mut writer, value).is_ok();
    let text = String::from_utf8_lossy(&writer.out).into_owned();
    if complete && text.len() <= max {
        return text;
    }
    cut(&text, max)
}

/// `text` cut to at most `max` bytes at a character boundary, `...` marking the cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let end = (0..=max.saturating_sub(3)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}...", &text[..end])
}

/// The value kept in a [`Violation`]: itself when its text is short, else an excerpt of its
/// text (a string), so that a violation never holds a copy of a large value.
fn excerpt(value: &Value) -> Value {
    match value {
        Value::String(s) if s.len() <= MAX_EXCERPT => value.clone(),
        Value::String(s) => Value::String(cut(s, MAX_EXCERPT)),
        Value::Array(items) if items.is_empty() => value.clone(),
        Value::Object(members) if members.is_empty() => value.clone(),
        Value::Array(_) | Value::Object(_) => {
            let text = excerpt_text(value, MAX_EXCERPT);
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        _ => value.clone(),
    }
}

/// True when `value` holds more than `limit` JSON values (itself included); stops counting
/// there.
fn more_values_than(value: &Value, limit: usize) -> bool {
    let mut stack = vec![value];
    let mut seen = 0usize;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > limit {
            return true;
        }
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(members) => stack.extend(members.values()),
            _ => {}
        }
    }
    false
}

/// The entry that ends a list cut at [`MAX_VIOLATIONS`]: `more` further violations, or
/// `None` when they were not counted.
fn omitted(prefix: &str, more: Option<usize>) -> Violation {
    let message = match more {
        Some(n) => format!("{n} more violations not listed (at most {MAX_VIOLATIONS} are)"),
        None => format!(
            "further violations not searched for: the value holds more than \
             {MAX_VALUES_EXAMINED} JSON values"
        ),
    };
    Violation {
        field: prefix.to_owned(),
        rule: OMITTED.to_owned(),
        message,
        value: more.map_or(Value::Null, Value::from),
    }
}

/// Violations of several values (parameters, body) as one list of at most
/// [`MAX_VIOLATIONS`] described, then one [`OMITTED`] entry for all the rest.
fn bounded(found: Vec<Violation>) -> Vec<Violation> {
    if found.len() <= MAX_VIOLATIONS && found.iter().filter(|v| v.rule == OMITTED).count() <= 1 {
        return found;
    }
    let mut kept = Vec::new();
    let mut more = Some(0usize);
    for v in found {
        if v.rule == OMITTED {
            more = more.zip(v.value.as_u64()).map(|(a, b)| a + b as usize);
        } else if kept.len() < MAX_VIOLATIONS {
            kept.push(v);
        } else {
            more = more.map(|n| n + 1);
        }
    }
    if more != Some(0) {
        kept.push(omitted("request", more));
    }
    kept
}

/// The number of violations a list of them stands for: its entries, plus those an
/// [`OMITTED`] entry counts (`None` when they were not counted).
pub fn total_violations(found: &[Violation]) -> Option<usize> {
    match found.last() {
        Some(last) if last.rule == OMITTED => {
            last.value.as_u64().map(|n| found.len() - 1 + n as usize)
        }
        _ => Some(found.len()),
    }
}

/// How a parameter's text is read before validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    One(Scalar),
    Many(Scalar),
}

fn scalar_of(doc: &Value, schema: &Value) -> Scalar {
    match deref(doc, schema).get("type").and_then(Value::as_str) {
        Some("integer") => Scalar::Integer,
        Some("number") => Scalar::Number,
        Some("boolean") => Scalar::Boolean,
        _ => Scalar::String,
    }
}

fn shape_of(doc: &Value, schema: &Value) -> Shape {
    let s = deref(doc, schema);
    if s.get("type").and_then(Value::as_str) == Some("array") {
        Shape::Many(scalar_of(doc, s.get("items").unwrap_or(&Value::Null)))
    } else {
        Shape::One(scalar_of(doc, s))
    }
}

/// Reads a parameter's text as the JSON value its schema expects.
fn coerce(scalar: Scalar, text: &str) -> Result<Value, String> {
    match scalar {
        Scalar::String => Ok(Value::String(text.to_owned())),
        Scalar::Integer => coerce_integer(text),
        Scalar::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| "is not a number".to_owned()),
        Scalar::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("is not a boolean (true or false)".to_owned()),
        },
    }
}

/// Reads an integer of any size: beyond 64 bits it becomes a float with no fraction, which
/// JSON Schema still counts as an integer, so range keywords (not the parser) judge it.
fn coerce_integer(text: &str) -> Result<Value, String> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Value::from(n));
    }
    if let Ok(n) = text.parse::<u64>() {
        return Ok(Value::from(n));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(n) = text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Ok(Value::Number(n));
        }
    }
    Err("is not an integer".to_owned())
}

struct CompiledParameter {
    parameter: Parameter,
    shape: Shape,
    validator: Validator,
}

/// An operation with its validators compiled.
pub struct CompiledOperation {
    pub operation: &'static Operation,
    parameters: Vec<CompiledParameter>,
    body: Option<(bool, Validator)>,
    responses: BTreeMap<u16, Option<Validator>>,
}

/// A request after validation: its parameters as typed JSON values (the body, valid as
/// sent, stays with the caller).
#[derive(Clone, Debug, Default)]
pub struct ValidRequest<'c> {
    pub path: Values<'c>,
    pub query: Values<'c>,
}

/// The compiled contract of both documents.
pub struct Contract {
    operations: HashMap<String, CompiledOperation>,
}

struct RruleKeyword(RruleRule);
struct UniqueByKeyword(String);

impl<'i> Keyword<'i> for RruleKeyword {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match instance.as_str().map(|s| self.0.check(s)) {
            Some(Err(message)) => Err(ValidationError::custom(message)),
            _ => Ok(()),
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_str().is_none_or(|s| self.0.check(s).is_ok())
    }
}

impl<'i> Keyword<'i> for UniqueByKeyword {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match instance.as_array().map(|items| check_unique_by(&self.0, items)) {
            Some(Err(message)) => Err(ValidationError::custom(message)),
            _ => Ok(()),
        }
    }
    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_array().is_none_or(|items| check_unique_by(&self.0, items).is_ok())
    }
}

/// Compiles a validator for an OpenAPI schema of `service`'s document.
pub fn compile(service: Service, schema: &Value) -> Validator {
    let root = standalone(service.document(), schema);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("service-datetime", is_service_datetime)
        .with_keyword("x-rrule", |_, value, _| {
            let rule = RruleRule::from_extension(value).map_err(ValidationError::custom)?;
            Ok(Box::new(RruleKeyword(rule)))
        })
        .with_keyword("x-unique-items-by", |_, value, _| {
            let property = value.as_str().unwrap_or_default().to_owned();
            Ok(Box::new(UniqueByKeyword(property)))
        })
        .build(&root)
        .unwrap_or_else(|e| panic!("a schema of {} does not compile: {e}", service.file_name()))
}

fn field_name(prefix: &str, pointer: &str) -> String {
    let mut out = prefix.to_owned();
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            out.push('.');
            out.push_str(&segment);
        }
    }
    out
}

/// The violations of `value` against a compiled validator, fields prefixed by `prefix`: at
/// most [`MAX_VIOLATIONS`], values and messages quoted in excerpts, and then one entry of rule
/// [`OMITTED`] counting the rest. A value of more than [`MAX_VALUES_EXAMINED`] JSON values
/// has only its first violation searched for.
pub fn violations(validator: &Validator, prefix: &str, value: &Value) -> Vec<Violation> {
    // The yes/no check is far cheaper than collecting errors, and most values are valid.
    if validator.is_valid(value) {
        return Vec::new();
    }
    let describe = |e: ValidationError<'_>| Violation {
        field: field_name(prefix, e.instance_path().as_str()),
        rule: e.kind().keyword().to_owned(),
        message: message_of(&e),
        value: excerpt(e.instance()),
    };
    if more_values_than(value, MAX_VALUES_EXAMINED) {
        let first = validator.validate(value).err().map(describe);
        return first.into_iter().chain([omitted(prefix, None)]).collect();
    }
    let mut found = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(value) {
        if found.len() < MAX_VIOLATIONS {
            found.push(describe(error));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        found.push(omitted(prefix, Some(more)));
    }
    found
}

/// The validator's words for an error, whose text quotes the whole offending value: kept
/// as they are when short, else the value's quote is cut.
fn message_of(error: &ValidationError<'_>) -> String {
    let text = error.to_string();
    if text.len() <= 4 * MAX_EXCERPT {
        return text;
    }
    let quoted = excerpt_text(error.instance(), MAX_EXCERPT);
    let full = error.instance().to_string();
    match text.find(&full) {
        Some(at) => format!("{}{}{}", &text[..at], quoted, &text[at + full.len()..]),
        None => cut(&text, 4 * MAX_EXCERPT),
    }
}

impl CompiledOperation {
    fn new(operation: &'static Operation) -> CompiledOperation {
        let service = operation.service;
        let doc = service.document();
        let parameters = operation
            .parameters
            .iter()
            .map(|p| CompiledParameter {
                parameter: p.clone(),
                shape: shape_of(doc, &p.schema),
                validator: compile(service, &p.schema),
            })
            .collect();
        let body = operation
            .request_body
            .as_ref()
            .map(|(required, schema)| (*required, compile(service, schema)));
        let responses = operation
            .responses
            .iter()
            .map(|(status, schema)| (*status, schema.as_ref().map(|s| compile(service, s))))
            .collect();
        CompiledOperation { operation, parameters, body, responses }
    }

    /// Validates a request: path values, query pairs (in order, repeated keys kept) and the
    /// JSON body. Unknown query parameters are ignored, as the service does.
    pub fn validate_request<Q: AsRef<str>>(
        &self,
        path: &(impl PathValues + ?Sized),
        query: &[(Q, Q)],
        body: Option<&Value>,
    ) -> Result<ValidRequest<'_>, Vec<Violation>> {
        let mut valid = ValidRequest::default();
        let mut found = Vec::new();
        for cp in &self.parameters {
            let p = &cp.parameter;
            if p.location == Location::Header {
                continue;
            }
            // The parameter's texts in order: a path value once, a query key as often as it is
            // repeated. Iterated again where needed rather than collected: most are given once.
            let texts = || {
                let in_path =
                    if p.location == Location::Path { path.path_value(&p.name) } else { None };
                let in_query = query
                    .iter()
                    .filter(|(k, _)| p.location == Location::Query && k.as_ref() == p.name);
                in_path.into_iter().chain(in_query.map(|(_, v)| v.as_ref()))
            };
            // Named only when something is wrong: most requests are valid.
            let field = || format!("{}.{}", p.location.as_str(), p.name);
            let mut given = texts();
            let Some(first) = given.next() else {
                if p.required {
                    found.push(Violation {
                        field: field(),
                        rule: "required".into(),
                        message: "is required".into(),
                        value: Value::Null,
                    });
                }
                continue;
            };
            let value = match cp.shape {
                Shape::One(_) if given.next().is_some() => {
                    Err(("maxItems", "is given more than once".to_owned()))
                }
                Shape::One(scalar) => coerce(scalar, first).map_err(|m| ("type", m)),
                Shape::Many(scalar) => texts()
                    .map(|t| coerce(scalar, t))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
                    .map_err(|m| ("type", m)),
            };
            match value {
                Err((rule, message)) => found.push(Violation {
                    field: field(),
                    rule: rule.into(),
                    message,
                    value: Value::String(texts().collect::<Vec<_>>().join(",")),
                }),
                Ok(value) if cp.validator.is_valid(&value) => {
                    let target = if p.location == Location::Path {
                        &mut valid.path
                    } else {
                        &mut valid.query
                    };
                    target.push(&p.name, value);
                }
                Ok(value) => found.extend(violations(&cp.validator, &field(), &value)),
            }
        }
        match (&self.body, body) {
            (Some((_, validator)), Some(body)) => found.extend(violations(validator, "body", body)),
            (Some((true, _)), None) => found.push(Violation {
                field: "body".into(),
                rule: "required".into(),
                message: "a JSON request body is required".into(),
                value: Value::Null,
            }),
            _ => {}
        }
        if found.is_empty() {
            Ok(valid)
        } else {
            Err(bounded(found))
        }
    }

    /// Validates a response: the status is documented and the body matches its schema.
    pub fn validate_response(
        &self,
        status: u16,
        body: Option<&Value>,
    ) -> Result<(), Vec<Violation>> {
        self.operation.check_status(status).map_err(|undocumented| {
            vec![Violation {
                field: "status".into(),
                rule: "responses".into(),
                message: undocumented.to_string(),
                value: Value::from(status),
            }]
        })?;
        let Some(schema) = self.responses.get(&status) else { return Ok(()) };
        match (schema, body) {
            (Some(validator), Some(body)) => {
                let found = violations(validator, "body", body);
                if found.is_empty() {
                    Ok(())
                } else {
                    Err(found)
                }
            }
            (Some(_), None) => Err(vec![Violation {
                field: "body".into(),
                rule: "required".into(),
                message: "a JSON body is documented but none was sent".into(),
                value: Value::Null,
            }]),
            (None, _) => Ok(()),
        }
    }

    /// Statuses documented for the operation.
    pub fn documented_statuses(&self) -> impl Iterator<Item = u16> + '_ {
        self.responses.keys().copied()
    }
}

impl Contract {
    /// The contract of both documents, compiled once.
    pub fn global() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| Contract {
            operations: all_operations()
                .map(|op| (op.id.clone(), CompiledOperation::new(op)))
                .collect(),
        })
    }

    /// The compiled operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&CompiledOperation> {
        self.operations.get(id)
    }

    /// Validates any value against a schema of a document, for example a component
    /// (`{"$ref": "#/components/schemas/Policy"}`).
    /// Validators are compiled once per schema and kept: compiling converts every component.
    pub fn check(service: Service, schema: &Value, value: &Value) -> Result<(), Vec<Violation>> {
        type Cache = std::sync::Mutex<HashMap<(Service, String), std::sync::Arc<Validator>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let key = (service, schema.to_string());
        let cache = CACHE.get_or_init(Default::default);
        let cached = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let validator = match cached {
            Some(v) => v,
            None => {
                let v = std::sync::Arc::new(compile(service, schema));
                cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, v.clone());
                v
            }
        };
        let found = violations(&validator, "body", value);
        if found.is_empty() {
            Ok(())
        } else {
            Err(found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_any_size_are_read_as_integers() {
        assert_eq!(coerce_integer("42"), Ok(Value::from(42)));
        assert_eq!(coerce_integer("18446744073709551615"), Ok(Value::from(u64::MAX)));
        assert!(coerce_integer("123456789012345678901234567890").unwrap().as_f64().is_some());
        assert!(coerce_integer("1.5").is_err());
        assert!(coerce_integer("12abc").is_err());
        assert!(coerce_integer("").is_err());
    }

    #[test]
    fn a_huge_limit_passes_a_minimum_only_schema() {
        let op = Contract::global().operation("listBackups").unwrap();
        let path = BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
        let query = vec![("limit".to_owned(), "123456789012345678901234567890".to_owned())];
        assert!(op.validate_request(&path, &query, None).is_ok());
        let query = vec![("limit".to_owned(), "-123456789012345678901234567890".to_owned())];
        assert!(op.validate_request(&path, &query, None).is_err());
    }

    fn create_policy_with(resources: Value, description: &str) -> Vec<Violation> {
        let op = Contract::global().operation("createPolicy").unwrap();
        let path = BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
        let body = serde_json::json!({"policy": {
            "name": "p", "description": description, "provider_id": "x",
            "parameters": {"common": {}}, "resources": resources, "scheduled_operations": []
        }});
        op.validate_request(&path, &[] as &[(&str, &str)], Some(&body)).unwrap_err()
    }

    #[test]
    fn many_violations_are_cut_and_counted() {
        let found = create_policy_with(Value::Array(vec![serde_json::json!({}); 2000]), "d");
        assert_eq!(found.len(), MAX_VIOLATIONS + 1, "{found:?}");
        let last = found.last().unwrap();
        assert_eq!(last.rule, OMITTED);
        let total = total_violations(&found).unwrap();
        assert!(total > 2000, "{total}");
        assert!(last.to_string().contains(&format!("{} more violations", total - MAX_VIOLATIONS)));
    }

    #[test]
    fn a_huge_invalid_body_reports_its_first_violation_only() {
        let items = Value::Array(vec![serde_json::json!({}); MAX_VALUES_EXAMINED + 1]);
        let found = create_policy_with(items, "d");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[1].rule.as_str(), total_violations(&found)), (OMITTED, None));
        assert!(found[1].message.contains("not searched"), "{}", found[1].message);
    }

    #[test]
    fn long_values_are_quoted_in_excerpts() {
        let long = "x".repeat(1_000_000);
        let found = create_policy_with(Value::Array(vec![]), &long);
        let shown: String = found.iter().map(|v| format!("{v}; ")).collect();
        assert!(shown.len() < 2_000, "{} bytes: {}", shown.len(), &shown[..200]);
        assert!(shown.contains("body.policy.description") && shown.contains("xxx..."), "{shown}");
        assert!(found.iter().all(|v| excerpt_text(&v.value, 1000).len() <= 2 * MAX_EXCERPT));
        let big = Value::Array((0..100_000).map(Value::from).collect());
        assert!(excerpt_text(&big, MAX_EXCERPT).ends_with("..."));
        assert_eq!(excerpt_text(&serde_json::json!({"a": 1}), MAX_EXCERPT), r#"{"a":1}"#);
    }
}
