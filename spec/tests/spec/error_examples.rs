//! Every error example is a code the operation can answer: mock servers (Prism) serve an
//! operation's first example of a status as the body of every such answer, so an example of
//! another service's code (the reference's `AS.0001`) or of a status the table gives another
//! code (`CSBS.9998` is a 500) would teach clients the wrong thing.

use csbs_spec::catalogue::{error_codes, gateway_codes};
use csbs_spec::Service;
use serde_json::Value;

/// `(operationId, status, example name, body)` of every error example, through `$ref`s.
fn error_examples(service: Service) -> Vec<(String, u16, String, Value)> {
    let doc = service.document();
    let resolve = |v: &'static Value| -> &'static Value {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
            .unwrap_or(v)
    };
    let mut out = Vec::new();
    for item in doc["paths"].as_object().into_iter().flat_map(|p| p.values()) {
        for op in item.as_object().into_iter().flat_map(|i| i.values()) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                let Ok(status) = status.parse::<u16>() else { continue };
                if status < 400 {
                    continue;
                }
                let media = &resolve(response)["content"]["application/json"];
                if let Some(body) = media.get("example") {
                    out.push((id.to_owned(), status, "example".to_owned(), body.clone()));
                }
                for (name, ex) in media["examples"].as_object().into_iter().flatten() {
                    out.push((id.to_owned(), status, name.clone(), ex["value"].clone()));
                }
            }
        }
    }
    out
}

/// Codes of the operation's `x-domain-errors`, with the status each is answered with (from
/// the table, or the row's own `status` where the table is not among the documents).
fn domain_codes(op: &Value) -> Vec<(Option<String>, Option<u16>)> {
    op["x-domain-errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let code = row.get("code").and_then(Value::as_str).map(str::to_owned);
            let status = row.get("status").and_then(Value::as_u64).map(|s| s as u16);
            (code, status)
        })
        .collect()
}

fn operation(service: Service, id: &str) -> &'static Value {
    let doc = service.document();
    doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|i| i.as_object().into_iter().flat_map(|i| i.values()))
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(id))
        .expect("an operation")
}

/// Why the operation cannot answer `code` with `status`, or `None` when it can.
fn refused(service: Service, id: &str, status: u16, code: &str) -> Option<String> {
    let doc = service.document();
    let pattern = doc["x-error-code-pattern"].as_str().expect("x-error-code-pattern");
    let own = regex::Regex::new(pattern).unwrap().is_match(code);
    if !own {
        // Only the API gateway in front of the service answers with other codes.
        let gateway = gateway_codes().iter().any(|g| g.code == code && g.status == status);
        return (!gateway).then(|| {
            format!("{code} is neither a code of the form {pattern} nor a gateway code answered with {status}")
        });
    }
    let table = error_codes(service);
    if !table.is_empty() && !table.iter().any(|row| row.code == code && row.status == status) {
        return Some(format!("the error table does not answer {code} with {status}"));
    }
    // A code an operation's domain errors name belongs to the operations that name it; the
    // others (validation, permission, internal error) any operation may answer.
    let mine = domain_codes(operation(service, id));
    let anyone: Vec<_> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|i| i.as_object().into_iter().flat_map(|i| i.values()))
        .flat_map(domain_codes)
        .filter_map(|(c, _)| c)
        .collect();
    let named = mine.iter().any(|(c, _)| c.as_deref() == Some(code));
    if anyone.iter().any(|c| c == code) && !named {
        return Some(format!("{code} is a domain error of other operations, not of {id}"));
    }
    // Not found names an object the operation refers to.
    let not_found = named || mine.iter().any(|(c, s)| c.is_none() && *s == Some(404));
    if status == 404 && !not_found {
        return Some(format!("{id} names no object it would not find (x-domain-errors)"));
    }
    let validation = doc["x-validation-error-code"].as_str();
    if status == 400 && !named && validation != Some(code) {
        return Some(format!(
            "{code} is not the validation code {validation:?} nor a domain error of {id}"
        ));
    }
    None
}

#[test]
fn every_error_example_is_a_code_the_operation_can_answer() {
    let mut wrong = Vec::new();
    let mut seen = 0;
    for service in Service::ALL {
        for (id, status, name, body) in error_examples(service) {
            seen += 1;
            let code = body["error_code"].as_str().unwrap_or_default();
            if let Some(why) = refused(service, &id, status, code) {
                wrong.push(format!("{} {id} {status} example {name}: {why}", service.file_name()));
            }
        }
    }
    assert!(seen > 50, "only {seen} error examples found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_rule_refuses_another_services_code_and_a_status_the_table_does_not_give() {
    assert!(refused(Service::Csbs, "createPolicy", 400, "AS.0001").is_some());
    assert!(refused(Service::Csbs, "createPolicy", 503, "CSBS.9998").is_some());
    assert!(refused(Service::Csbs, "listBackups", 404, "CSBS.3000").is_some());
    assert!(refused(Service::Csbs, "showBackup", 404, "CSBS.3000").is_some());
    assert!(refused(Service::Csbs, "showBackup", 400, "CSBS.9007").is_some());
    assert!(refused(Service::Cbr, "listCbrBackups", 400, "CSBS.9001").is_some());
    assert!(refused(Service::Csbs, "showPolicy", 404, "CSBS.3000").is_none());
    assert!(refused(Service::Csbs, "createPolicy", 400, "CSBS.9007").is_none());
    assert!(refused(Service::Csbs, "createPolicy", 401, "APIGW.0301").is_none());
}
