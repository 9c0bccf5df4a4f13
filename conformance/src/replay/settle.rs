//! Waiting for a backup record's backups to settle (a new backup is `protecting`, a restored
//! one `restoring`): polls the backup list filtered by the record, within the settle bound.

use super::fill::Filled;
use crate::session::Session;
use csbs_spec::operations::{find_operation, percent_encode_segment};
use serde_json::{Map, Value};
use std::time::Instant;

/// Statuses a backup stays in without the run doing anything.
const SETTLED: [&str; 2] = ["available", "error"];

/// Polls until every backup of `checkpoint_id` has settled, then records them as the run's
/// own. A record that does not settle in time is noted; what needs its backups is skipped.
pub async fn settle(session: &mut Session, checkpoint_id: &str) {
    let Some(op) = find_operation("listBackups") else { return };
    let mut path = Map::new();
    path.insert("project_id".into(), Value::String(session.facts.project_id.clone()));
    let target = format!(
        "{}?checkpoint_id={}",
        op.render_path(&path),
        percent_encode_segment(checkpoint_id)
    );
    let filled = Filled {
        path,
        query: vec![("checkpoint_id".into(), checkpoint_id.into())],
        body: None,
        target,
    };
    let deadline = Instant::now() + session.limits.settle_timeout;
    loop {
        session.progress.say(&format!("waiting for the backups of {checkpoint_id}"));
        let exchange =
            session.send(op, &filled, session.credential(), "(waiting for backups)").await;
        let items = exchange
            .response()
            .and_then(|r| r.json().ok())
            .and_then(|body| body.get("checkpoint_items").and_then(Value::as_array).cloned());
        let last = match items {
            Some(mut items) if !items.is_empty() && items.iter().all(settled) => {
                // Backups made together tie on time; an order by server keeps runs alike.
                items.sort_by(|a, b| {
                    a.get("resource_id")
                        .map(Value::to_string)
                        .cmp(&b.get("resource_id").map(Value::to_string))
                });
                for item in &items {
                    session.facts.learn_backup(item, true);
                }
                return;
            }
            Some(items) => format!("statuses {:?}", items.iter().map(status).collect::<Vec<_>>()),
            None => format!("answer {:?}", exchange.status()),
        };
        if Instant::now() + session.limits.poll_interval > deadline {
            let bound = session.limits.settle_timeout;
            session.recorder.note(format!(
                "the backups of backup record {checkpoint_id} did not settle within {bound:?} (last: {last}); \
                 cases that need them were skipped. A slower service needs a larger --wait"
            ));
            return;
        }
        tokio::time::sleep(session.limits.poll_interval).await;
    }
}

fn status(item: &Value) -> &str {
    item.get("status").and_then(Value::as_str).unwrap_or("")
}

fn settled(item: &Value) -> bool {
    SETTLED.contains(&status(item))
}
