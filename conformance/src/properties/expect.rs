//! What the contract expects of the answer to a generated request.

use csbs_spec::catalogue::{is_documented_for, validation_code};
use csbs_spec::validate::Contract;
use csbs_spec::Operation;
use serde_json::{json, Value};

/// How an answer was judged when it is acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judged {
    /// A documented success, or (for an invalid request) the documented rejection.
    Passed,
    /// A valid request refused for a documented business reason (unknown id, name taken,
    /// quota): fine, and counted apart. Holds `status code`.
    Business(String),
}

fn error_code(body: &Value) -> Option<&str> {
    body.get("error_code").and_then(Value::as_str)
}

fn error_body_ok(op: &Operation, body: &Value) -> bool {
    Contract::check(op.service, &json!({"$ref": "#/components/schemas/ErrorResponse"}), body)
        .is_ok()
}

/// `positive_data_acceptance` (and `not_a_server_error`) for a request that follows every
/// rule: never 5xx, never refused for validation; a documented business error is fine.
pub fn judge_valid(op: &Operation, status: u16, body: Option<&Value>) -> Result<Judged, String> {
    if status >= 500 {
        return Err(format!("a valid request was answered {status} (not_a_server_error)"));
    }
    if (200..300).contains(&status) {
        return Ok(Judged::Passed);
    }
    let code = body.and_then(error_code).unwrap_or_default();
    let message = body.and_then(|b| b.get("error_msg")).and_then(Value::as_str).unwrap_or_default();
    let validation = validation_code(op.service);
    if status == 400
        && (validation.as_deref() == Some(code) || !is_documented_for(op.service, code, status))
    {
        return Err(format!("a valid request was rejected as invalid: {status} {code} {message}"));
    }
    if is_documented_for(op.service, code, status) || matches!(status, 403 | 404) {
        return Ok(Judged::Business(format!("{status} {code}")));
    }
    Err(format!("a valid request was answered {status} {code} {message}, which the contract does not document"))
}

/// `negative_data_rejection` for a request that breaks one rule: 400 with the documented error
/// body and a documented code.
pub fn judge_invalid(op: &Operation, status: u16, body: Option<&Value>) -> Result<Judged, String> {
    if status != 400 {
        let code = body.and_then(error_code).unwrap_or_default();
        return Err(format!(
            "answered {status} {code}; a request breaking a rule must be answered 400"
        ));
    }
    let Some(body) = body else {
        return Err("answered 400 without a JSON error body".into());
    };
    if !error_body_ok(op, body) {
        return Err(format!(
            "the 400 body is not the documented error body {{error_code, error_msg}}: {body}"
        ));
    }
    let code = error_code(body).unwrap_or_default();
    if !is_documented_for(op.service, code, 400) {
        return Err(format!("the 400 carries the undocumented code `{code}`"));
    }
    Ok(Judged::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        csbs_spec::operations::find_operation(id).unwrap()
    }

    #[test]
    fn valid_requests() {
        let create = op("createPolicy");
        assert_eq!(judge_valid(create, 200, None), Ok(Judged::Passed));
        let taken = json!({"error_code": "CSBS.9007", "error_msg": "duplicate service name"});
        assert_eq!(
            judge_valid(create, 400, Some(&taken)),
            Ok(Judged::Business("400 CSBS.9007".into()))
        );
        let invalid = json!({"error_code": "CSBS.9001", "error_msg": "body.policy.name: ..."});
        assert!(judge_valid(create, 400, Some(&invalid))
            .unwrap_err()
            .contains("rejected as invalid"));
        assert!(judge_valid(create, 500, None).unwrap_err().contains("not_a_server_error"));
        let unknown = json!({"error_code": "CSBS.3000", "error_msg": "plan not found"});
        assert_eq!(
            judge_valid(op("showPolicy"), 404, Some(&unknown)),
            Ok(Judged::Business("404 CSBS.3000".into()))
        );
    }

    #[test]
    fn invalid_requests() {
        let create = op("createPolicy");
        let invalid = json!({"error_code": "CSBS.9001", "error_msg": "body.policy.name: too long"});
        assert_eq!(judge_invalid(create, 400, Some(&invalid)), Ok(Judged::Passed));
        assert!(judge_invalid(create, 200, None).unwrap_err().contains("must be answered 400"));
        assert!(judge_invalid(create, 400, Some(&json!({"message": "bad"})))
            .unwrap_err()
            .contains("error body"));
        let made_up = json!({"error_code": "CSBS.1234", "error_msg": "?"});
        assert!(judge_invalid(create, 400, Some(&made_up))
            .unwrap_err()
            .contains("undocumented code"));
        let cbr = json!({"error_code": "BackupService.9001", "error_msg": "query.limit"});
        assert_eq!(judge_invalid(op("listCbrBackups"), 400, Some(&cbr)), Ok(Judged::Passed));
    }
}
