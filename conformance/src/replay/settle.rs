//! Waiting for a backup record's backups to settle (a new backup is `protecting`, a restored
//! one `restoring`): polls the backup list filtered by the record, within the settle bound.
//! The statuses a backup settles in are the spec's (`x-lifecycle`).

use crate::poll::Poller;
use crate::session::Session;
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;

/// Polls until every backup of `checkpoint_id` has settled and returns them, ordered by server
/// (backups made together tie on time; the order keeps runs alike). `Err` with the last thing
/// seen when the bound passes first.
pub async fn settled_items(
    session: &mut Session,
    checkpoint_id: &str,
) -> Result<Vec<Value>, String> {
    let settled = backup_lifecycle().settled;
    let list = session.request("listBackups").query("checkpoint_id", checkpoint_id);
    session.progress.say(&format!("waiting for the backups of {checkpoint_id}"));
    let mut items = {
        let mut poller = Poller::new(&session.limits, session.limits.settle_timeout);
        loop {
            let exchange = session.send(&list, session.credential(), "(waiting for backups)").await;
            let body = exchange.response().and_then(|r| r.json().ok());
            let items =
                body.as_ref().and_then(|b| b.get("checkpoint_items")).and_then(Value::as_array);
            match items {
                Some(items)
                    if !items.is_empty()
                        && items.iter().all(|i| settled.iter().any(|w| w == status(i))) =>
                {
                    break Ok(items.clone())
                }
                Some(items) => {
                    if let Err(last) = poller
                        .wait(format!(
                            "statuses {:?}",
                            items.iter().map(status).collect::<Vec<_>>()
                        ))
                        .await
                    {
                        break Err(last);
                    }
                }
                None => {
                    if let Err(last) = poller.wait(format!("answer {:?}", exchange.status())).await
                    {
                        break Err(last);
                    }
                }
            }
        }
    }?;
    items.sort_by_key(|i| i.get("resource_id").map(Value::to_string));
    Ok(items)
}

/// [`settled_items`], learnt as the run's own backups. A record that does not settle in time is
/// noted; what needs its backups is skipped.
pub async fn settle(session: &mut Session, checkpoint_id: &str) {
    match settled_items(session, checkpoint_id).await {
        Ok(items) => {
            for item in &items {
                session.facts.learn_backup(item, true);
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

fn status(item: &Value) -> &str {
    item.get("status").and_then(Value::as_str).unwrap_or("")
}
