//! Waiting for a backup record's backups to settle (a new backup is `protecting`, a restored
//! one `restoring`): polls the backup list filtered by the record, within the settle bound.
//! The statuses a backup settles in are the spec's (`x-lifecycle`).

use crate::poll::{Poll, Poller};
use crate::request::ApiRequest;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;

/// The backups of a record once settled, ordered by server (backups made together tie on
/// time; the order keeps runs alike), with every status seen on the way and the last answer
/// when the polls were recorded.
pub struct Settled {
    pub items: Vec<Value>,
    pub seen: Vec<String>,
    pub answer: Option<Answer>,
}

/// Polls the list of `checkpoint_id`'s backups until every one is in a settled status of the
/// spec's `x-lifecycle`. With `case`, each poll is recorded (and checked) under it. `Err` with
/// the last thing seen when the bound passes first.
pub async fn settled_items(
    session: &mut Session,
    checkpoint_id: &str,
    case: Option<&str>,
) -> Result<Settled, String> {
    let life = backup_lifecycle();
    let list = session.request("listBackups").query("checkpoint_id", checkpoint_id);
    session.progress().say(&format!("waiting for the backups of {checkpoint_id}"));
    let mut seen: Vec<String> = Vec::new();
    let poller = Poller::new(&session.limits).confirmed_by(record_read(&list, checkpoint_id));
    let found = session
        .poll_with(poller, &list, case, |answer| {
            let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
            let Some(items) = items.and_then(Value::as_array) else {
                return Poll::Pending(format!("answer {:?}", answer.status));
            };
            let was_listed = !seen.is_empty();
            seen.extend(items.iter().map(|i| status_of(i).to_owned()));
            let now: Vec<&str> = items.iter().map(status_of).collect();
            if !items.is_empty() && now.iter().all(|st| life.settled.iter().any(|w| w == st)) {
                let answer = answer.index.is_some().then(|| answer.clone());
                return Poll::Ready(Ok((items.clone(), answer)));
            }
            // Gone, or in a status that no step of the spec's x-lifecycle leads on from
            // (`deleted`): they will never settle, and the wait ends now.
            let at_rest = |st: &&str| life.settled.iter().any(|w| w == st) || ended(&life, st);
            let gone = now.iter().all(at_rest) && now.iter().any(|st| ended(&life, st));
            if (items.is_empty() && was_listed) || gone {
                return Poll::Ready(Err(format!("deleted before they settled: statuses {now:?}")));
            }
            match items.is_empty() {
                true => {
                    Poll::Unseen(format!("listBackups checkpoint_id={checkpoint_id} lists none"))
                }
                false => Poll::Pending(format!("statuses {now:?}")),
            }
        })
        .await;
    let (mut items, answer) = found??;
    items.sort_by_key(|i| i.get("resource_id").map(Value::to_string));
    seen.dedup();
    Ok(Settled { items, seen, answer })
}

/// [`settled_items`], learnt as the run's own backups. A record that does not settle in time is
/// noted; what needs its backups is skipped.
pub async fn settle(session: &mut Session, checkpoint_id: &str) {
    match settled_items(session, checkpoint_id, None).await {
        Ok(settled) => {
            for item in &settled.items {
                session.record.facts.learn_backup(item, true);
            }
        }
        Err(last) => {
            let bound = session.limits.settle_timeout;
            session.recorder.note(format!(
                "the backups of backup record {checkpoint_id} did not settle within {bound:?} (last: {last}); \
                 cases that need them were skipped. A slower service needs a larger --wait"
            ));
        }
    }
}

/// The read by ID of backup record `checkpoint_id` (its CBR view, `showCbrCheckpoint`), for the
/// project of `list`: it answers 404 once every backup of the record is gone, so a list by
/// the record that shows none of them, then, has not merely fallen behind.
pub fn record_read(list: &ApiRequest, checkpoint_id: &str) -> ApiRequest {
    let project = list.path.get("project_id").map_or("", String::as_str);
    ApiRequest::of("showCbrCheckpoint", project).path("checkpoint_id", checkpoint_id)
}

/// A status in no list of the lifecycle (neither pending, settled, deleting nor busy): where a
/// backup stays once deleted.
fn ended(life: &csbs_spec::behaviour::Lifecycle, status: &str) -> bool {
    let lists = [&life.pending, &life.settled, &life.deleting, &life.busy];
    !status.is_empty() && !lists.iter().any(|l| l.iter().any(|s| s == status))
}

fn status_of(item: &Value) -> &str {
    item.get("status").and_then(Value::as_str).unwrap_or("")
}
