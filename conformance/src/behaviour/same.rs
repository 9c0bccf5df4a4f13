//! `list_show_agreement`: a list's link to the show of its items (`x-same`) promises that each
//! listed object reads the same in its show. The first [`ITEMS`] items of each such list are
//! shown and compared, member by member where both have it (objects inside compared the same
//! way, arrays whole), apart from the `except` members; times are compared as instants.

use super::support::{compare, fail, id_of, list_all, show};
use crate::checks::{Check, Verdict};
use crate::session::{status_text, Session};
use csbs_spec::behaviour::{links, Same};
use csbs_spec::operations::all_operations;
use serde_json::Value;
use std::cmp::Ordering;

/// Listed objects shown per list.
const ITEMS: usize = 5;

pub async fn run(session: &mut Session) {
    for op in all_operations() {
        for (link, same) in links(op).into_iter().filter_map(|l| l.same.clone().map(|s| (l, s))) {
            let case = format!("list_show_agreement: {}", link.operation.id);
            let all = match list_all(session, &session.request(&op.id), &case).await {
                Ok(all) => all,
                Err(why) => {
                    session.recorder.skip(
                        Check::ListShowAgreement,
                        &op.id,
                        &case,
                        format!("the list failed: {why}"),
                    );
                    continue;
                }
            };
            if all.items.is_empty() {
                session.recorder.skip(
                    Check::ListShowAgreement,
                    &op.id,
                    &case,
                    "too little to judge: the list is empty",
                );
                continue;
            }
            for item in all.items.iter().take(ITEMS) {
                let Some(parameters) = link.parameters_of_item(item) else { continue };
                let mut request = session.request(&link.operation.id);
                for (name, value) in parameters {
                    request = request.parameter(&name, value);
                }
                let answer = session.call(&request, &case).await;
                let shown = answer.json.as_ref().and_then(|b| b.pointer(&same.shown)).cloned();
                let verdict = match (answer.status, shown) {
                    (Some(200), Some(shown)) => agree(&same, item, &shown),
                    (status, _) => fail(
                        &same.shown,
                        format!(
                            "{} of listed {} answered {} without {}",
                            link.operation.id,
                            id_of(item).unwrap_or("?"),
                            status_text(status),
                            same.shown
                        ),
                    ),
                };
                session.judge(Check::ListShowAgreement, &answer, &case, verdict);
            }
        }
    }
}

/// The listed and the shown object agree in every member both have, apart from `except`.
pub(super) fn agree(same: &Same, listed: &Value, shown: &Value) -> Verdict {
    let (mut listed, mut shown) = (listed.clone(), shown.clone());
    for pointer in &same.except {
        remove(&mut listed, pointer);
        remove(&mut shown, pointer);
    }
    match differ(&listed, &shown, "") {
        None => Ok(()),
        Some((at, a, b)) => fail(
            &at,
            format!(
                "{} is listed with {at} {} but shown with {}",
                id_of(&listed).unwrap_or("?"),
                show(&a),
                show(&b)
            ),
        ),
    }
}

/// The first member (a JSON pointer) where two values differ, with both values.
fn differ(a: &Value, b: &Value, at: &str) -> Option<(String, Value, Value)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.iter().find_map(|(k, v)| y.get(k).and_then(|w| differ(v, w, &format!("{at}/{k}"))))
        }
        // Times compare as instants (`...T07:44:38` and `... 07:44:38Z` agree).
        (Value::String(_), Value::String(_)) if compare(a, b) == Some(Ordering::Equal) => None,
        _ if a == b => None,
        _ => Some((at.to_owned(), a.clone(), b.clone())),
    }
}

/// Removes the member at `pointer`, where there is one.
fn remove(value: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn same() -> Same {
        Same {
            objects: "/checkpoint_items/*".into(),
            shown: "/checkpoint_item".into(),
            except: vec!["/status".into(), "/extend_info/progress".into()],
        }
    }

    #[test]
    fn members_both_have_must_agree_apart_from_the_exceptions() {
        let listed = json!({"id": "b", "name": "x", "status": "protecting",
            "created_at": "2020-01-01T00:00:00", "extend_info": {"progress": 10, "size": 1}});
        let shown = json!({"id": "b", "name": "x", "status": "available", "extra": 1,
            "created_at": "2020-01-01 00:00:00Z", "extend_info": {"progress": 100, "size": 1}});
        assert_eq!(agree(&same(), &listed, &shown), Ok(()));
        let later = json!({"id": "b", "created_at": "2020-01-01T08:00:00"});
        let failure = agree(&same(), &listed, &later).unwrap_err();
        assert_eq!(failure.rule, "/created_at");
        let resized = json!({"id": "b", "extend_info": {"size": 2}});
        assert_eq!(agree(&same(), &listed, &resized).unwrap_err().rule, "/extend_info/size");
    }
}
