//! `read_after_write` for what a change leaves alone (`x-keeps` on its success response):
//! the object is read before the change and after it, through the change's link that shows it
//! (the link with `x-echo` on the same objects), and every member the request did not send
//! must have kept its value.

use super::support::{fail, show};
use crate::checks::{Check, Verdict};
use crate::request::ApiRequest;
use crate::session::Session;
use csbs_spec::behaviour::{links, response_keeps, Keeps};
use serde_json::Value;

/// The object as it was before a change, and how to read it again.
pub struct Before {
    keeps: Keeps,
    show: ApiRequest,
    object: Value,
}

/// Reads what `change` is about to change; `None` when the operation keeps nothing the spec
/// names, or the object cannot be read.
pub async fn before(session: &mut Session, change: &ApiRequest, case: &str) -> Option<Before> {
    let keeps = response_keeps(change.operation)?;
    let link = links(change.operation)
        .into_iter()
        .find(|l| l.echo.as_ref().is_some_and(|e| e.objects == keeps.objects))?;
    let show = ApiRequest::follow(change, None, &link)?;
    let answer = session.call(&show, case).await;
    let object = answer.json.as_ref()?.pointer(&keeps.objects)?.clone();
    Some(Before { keeps, show, object })
}

/// After `change`: every member of the object it did not send has kept its value.
pub async fn judge(session: &mut Session, change: &ApiRequest, before: Before, case: &str) {
    let case = format!("{case}: members not sent are kept");
    let answer = session.call(&before.show, &case).await;
    let after = answer.json.as_ref().and_then(|b| b.pointer(&before.keeps.objects));
    let sent = before.keeps.unsent.values(&change.parts(), None).into_iter().next();
    let verdict = match after {
        Some(after) => kept(&before, sent.as_ref(), after),
        None => fail(
            &before.keeps.objects,
            format!("{} answered no {}", before.show.operation.id, before.keeps.objects),
        ),
    };
    session.judge(Check::ReadAfterWrite, &answer, &case, verdict);
}

/// The members of `before.object` that `sent` does not name are unchanged in `after`.
fn kept(before: &Before, sent: Option<&Value>, after: &Value) -> Verdict {
    let Some(members) = before.object.as_object() else { return Ok(()) };
    for (key, was) in members {
        let named = sent.and_then(|s| s.get(key)).is_some();
        if named {
            continue;
        }
        let now = after.get(key).unwrap_or(&Value::Null);
        if now != was {
            return fail(
                key,
                format!(
                    "the change did not send {key}, yet it went from {} to {}",
                    show(was),
                    show(now)
                ),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::behaviour::Expr;
    use serde_json::json;

    #[test]
    fn members_not_sent_must_keep_their_values() {
        let op = csbs_spec::operations::find_operation("showPolicy").unwrap();
        let before = Before {
            keeps: Keeps {
                objects: "/policy".into(),
                unsent: Expr::parse("$request.body#/policy").unwrap(),
            },
            show: ApiRequest::new(op, "p"),
            object: json!({"name": "a", "resources": [{"id": "s"}]}),
        };
        let sent = json!({"name": "b"});
        let renamed = json!({"name": "b", "resources": [{"id": "s"}]});
        assert_eq!(kept(&before, Some(&sent), &renamed), Ok(()));
        let emptied = json!({"name": "b", "resources": []});
        assert_eq!(kept(&before, Some(&sent), &emptied).unwrap_err().rule, "resources");
    }
}
