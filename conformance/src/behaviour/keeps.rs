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

/// The members of `before.object` that `sent` does not name are unchanged in `after`; a member
/// sent as an object keeps the members it does not name (`operation_definition`), and a list
/// sent as objects named by `id` keeps, in each item it names, what the item does not send (a
/// scheduled operation's `enabled`).
fn kept(before: &Before, sent: Option<&Value>, after: &Value) -> Verdict {
    let mut was = before.object.clone();
    for (member, part) in &before.keeps.follows {
        if sent.and_then(|s| s.pointer(part)).is_some() {
            forget(&mut was, member);
        }
    }
    kept_in("", &was, sent, after)
}

/// `object` without the member at `pointer` (it follows what the request sent).
fn forget(object: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else { return };
    if let Some(members) = object.pointer_mut(parent).and_then(Value::as_object_mut) {
        members.remove(key);
    }
}

fn kept_in(at: &str, was: &Value, sent: Option<&Value>, after: &Value) -> Verdict {
    let Some(members) = was.as_object() else { return Ok(()) };
    for (key, was) in members {
        let now = after.get(key).unwrap_or(&Value::Null);
        let path = format!("{at}{key}");
        match sent.and_then(|s| s.get(key)) {
            None if now != was => {
                return fail(
                    &path,
                    format!(
                        "the change did not send {path}, yet it went from {} to {}",
                        show(was),
                        show(now)
                    ),
                );
            }
            None => {}
            Some(part) if part.is_object() => kept_in(&format!("{path}/"), was, Some(part), now)?,
            Some(Value::Array(items)) => {
                for (id, item, sent_item) in named_items(was, items) {
                    let now = named_items(now, std::slice::from_ref(sent_item));
                    if let Some((_, now, _)) = now.first() {
                        kept_in(&format!("{path}[id={id}]/"), item, Some(sent_item), now)?;
                    }
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The items of the list `list` that `sent` names by `id`: `(id, item, sent item)`.
fn named_items<'a, 'b>(list: &'a Value, sent: &'b [Value]) -> Vec<(&'a str, &'a Value, &'b Value)> {
    let items = list.as_array().into_iter().flatten();
    items
        .filter_map(|item| {
            let id = item.get("id")?.as_str()?;
            let sent_item =
                sent.iter().find(|s| s.get("id").and_then(Value::as_str) == Some(id))?;
            Some((id, item, sent_item))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::behaviour::Expr;
    use serde_json::json;

    /// A policy shown before an update, kept as updatePolicy's `x-keeps` says.
    fn policy_before(object: serde_json::Value) -> Before {
        let op = csbs_spec::operations::find_operation("showPolicy").unwrap();
        Before {
            keeps: Keeps {
                objects: "/policy".into(),
                unsent: Expr::parse("$request.body#/policy").unwrap(),
                follows: [("/status".into(), "/scheduled_operations".into())].into(),
            },
            show: ApiRequest::new(op, "p"),
            object,
        }
    }

    #[test]
    fn members_not_sent_must_keep_their_values() {
        let before = policy_before(json!({"name": "a", "resources": [{"id": "s"}]}));
        let sent = json!({"name": "b"});
        let renamed = json!({"name": "b", "resources": [{"id": "s"}]});
        assert_eq!(kept(&before, Some(&sent), &renamed), Ok(()));
        let emptied = json!({"name": "b", "resources": []});
        assert_eq!(kept(&before, Some(&sent), &emptied).unwrap_err().rule, "resources");
        // `status` follows the schedule: kept unless the schedule is sent.
        let before = Before { object: json!({"name": "a", "status": "suspended"}), ..before };
        let started = json!({"name": "b", "status": "started"});
        assert_eq!(kept(&before, Some(&sent), &started).unwrap_err().rule, "status");
        let enabled = json!({"scheduled_operations": [{"id": "s", "enabled": true}]});
        let started = json!({"name": "a", "status": "started"});
        assert_eq!(kept(&before, Some(&enabled), &started), Ok(()));
    }

    #[test]
    fn named_items_keep_the_members_they_do_not_send() {
        let schedule = json!({"id": "s", "enabled": false, "operation_definition": {"max_backups": 1, "permanent": null}});
        let before = policy_before(json!({"name": "a", "scheduled_operations": [schedule]}));
        let sent = json!({"scheduled_operations": [{"id": "s", "operation_definition": {"permanent": false}}]});
        let patched = json!({"name": "a", "scheduled_operations": [{"id": "s", "enabled": false, "operation_definition": {"max_backups": 1, "permanent": false}}]});
        assert_eq!(kept(&before, Some(&sent), &patched), Ok(()));
        let enabled = json!({"name": "a", "scheduled_operations": [{"id": "s", "enabled": true, "operation_definition": {"max_backups": 1, "permanent": false}}]});
        let rule = kept(&before, Some(&sent), &enabled).unwrap_err().rule;
        assert_eq!(rule, "scheduled_operations[id=s]/enabled");
        let replaced = json!({"name": "a", "scheduled_operations": [{"id": "s", "enabled": false, "operation_definition": {"permanent": false}}]});
        let rule = kept(&before, Some(&sent), &replaced).unwrap_err().rule;
        assert_eq!(rule, "scheduled_operations[id=s]/operation_definition/max_backups");
    }
}
